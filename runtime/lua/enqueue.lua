-- Appends one event to a flow's queue (the ack) and, when the lock is free and a token is given, takes it.
-- KEYS: 1 state hash, 2 queue, 3 lock, 4 seen ids
-- ARGV: 1 event id ('' = none), 2 event JSON, 3 lock token ('' = do not take the lock), 4 lock ttl ms,
--       5 batch, 6 seen-id ttl ms, 7 max seen ids
-- Reply: {'unknown'} | {'closed'} | {'duplicate'} | {'queued', seq} | {'locked', seq, snapshot}
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'unknown' } end
local id = ARGV[1]
-- A retry of an acknowledged event is acknowledged again, even if the flow ended since.
if id ~= '' and redis.call('ZSCORE', KEYS[4], id) then return { 'duplicate' } end
if redis.call('HEXISTS', KEYS[1], 'x') == 1 then return { 'closed' } end

local now = now_ms()
local seq = redis.call('HINCRBY', KEYS[1], 'q', 1)
redis.call('RPUSH', KEYS[2], event_record(seq, id, now, ARGV[2]))
if id ~= '' then remember_id(KEYS[4], id, now, ARGV[6], ARGV[7]) end

if ARGV[3] ~= '' then
  local snap = take_lock(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5])
  if snap then return { 'locked', seq, snap } end
end
return { 'queued', seq }
