-- Creates a flow in its initial state and enqueues its `fsm.start` event, taking the lock when a token is given.
-- KEYS: 1 state hash, 2 queue, 3 lock, 4 seen ids
-- ARGV: 1 event id ('' = none), 2 start event JSON, 3 lock token ('' = do not take the lock), 4 lock ttl ms,
--       5 batch, 6 seen-id ttl ms, 7 max seen ids, 8 initial state, 9 context JSON, 10 machine version
-- Reply: {'exists'} | {'duplicate'} | {'queued', 1} | {'locked', 1, snapshot}
local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then
  if id ~= '' and redis.call('ZSCORE', KEYS[4], id) then return { 'duplicate' } end
  return { 'exists' }
end

local now = now_ms()
redis.call('HSET', KEYS[1], 's', ARGV[8], 'c', ARGV[9], 'v', 0, 'm', ARGV[10], 'a', now, 'u', 0, 'e', 0, 'q', 1)
-- Leftovers of an expired earlier flow with the same id must not leak into this one.
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('RPUSH', KEYS[2], event_record(1, id, now, ARGV[2]))
if id ~= '' then remember_id(KEYS[4], id, now, ARGV[6], ARGV[7]) end

if ARGV[3] ~= '' then
  local snap = take_lock(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5], false)
  if snap then return { 'locked', 1, snap } end
end
return { 'queued', 1 }
