-- Sweeper (single-instance mode): takes over a flow whose queue has events and whose lock is free.
-- KEYS: 1 state hash, 2 queue, 3 lock
-- ARGV: 1 lock token, 2 lock ttl ms, 3 batch
-- Reply: {'gone'} | {'empty', qseq} | {'busy'} | {'locked', snapshot}
-- A live lock means a live owner: answered at the first command, the commonest case of a sweep.
if redis.call('EXISTS', KEYS[3]) == 1 then return { 'busy' } end
if not is_active(KEYS[1]) then return { 'gone' } end
if redis.call('LLEN', KEYS[2]) == 0 then return { 'empty', redis.call('HGET', KEYS[1], 'q') or '0' } end
-- Events wait with no holder: whoever held the flow last may have begun the head and stopped.
local snap = take_lock(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], true)
if snap then return { 'locked', snap } end
return { 'busy' }
