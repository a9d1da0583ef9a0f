-- Redlock mode: after the lock servers granted the lock, bumps the flow's epoch (the fencing token) and reads it.
-- KEYS: 1 state hash, 2 queue
-- ARGV: 1 batch
-- Reply: {'gone'} | {'empty', qseq} | {'locked', snapshot}
if not is_active(KEYS[1]) then return { 'gone' } end
if redis.call('LLEN', KEYS[2]) == 0 then return { 'empty', redis.call('HGET', KEYS[1], 'q') or '0' } end
local epoch = redis.call('HINCRBY', KEYS[1], 'e', 1)
-- The lock servers cannot tell a takeover from a fresh take: every take counts an attempt at the head.
return { 'locked', snapshot(KEYS[1], KEYS[2], epoch, ARGV[1], true) }
