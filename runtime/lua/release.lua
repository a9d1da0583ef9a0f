-- Releases the lock if this holder still has it (closing mid-drain, or giving up after an error).
-- KEYS: 1 lock
-- ARGV: 1 lock token
-- Reply: 1 released | 0 not held
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
