-- Heartbeat (single-instance mode): extends the lock while its holder's actions run. A lock that expired
-- meanwhile is taken back only if nobody took the flow over (the epoch is still the holder's).
-- KEYS: 1 lock, 2 state hash
-- ARGV: 1 lock token, 2 lock ttl ms, 3 holder's epoch
-- Reply: 1 held | 0 lost
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder and redis.call('HGET', KEYS[2], 'e') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
