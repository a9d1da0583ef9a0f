-- Appends one event to a flow's queue (the ack) and, when the lock is free and a token is given, takes it.
-- KEYS: 1 state hash, 2 queue, 3 lock, 4 seen ids
-- ARGV: 1 event id ('' = none), 2 event JSON, 3 lock token ('' = do not take the lock), 4 lock ttl ms,
--       5 batch, 6 seen-id ttl ms, 7 max seen ids
-- Reply: {'unknown'} | {'closed'} | {'duplicate'} | {'queued', seq} | {'locked', seq, snapshot}
-- This script runs once per event, so it is kept lean: every field it needs comes from one HMGET,
-- the counters go back with one HSET instead of an HINCRBY each, and it does without the shared
-- include (whose function definitions Lua would build again on every call).
local token = ARGV[3]
local f
if token ~= '' then
  f = redis.call('HMGET', KEYS[1], 's', 'x', 'q', 'e', 'c', 'v', 't', 'd')
else
  f = redis.call('HMGET', KEYS[1], 's', 'x', 'q')
end
-- Every flow hash has a state field from start.lua on, so a missing one means no flow.
if not f[1] then return { 'unknown' } end
local id = ARGV[1]
-- A retry of an acknowledged event is acknowledged again, even if the flow ended since.
if id ~= '' and redis.call('ZSCORE', KEYS[4], id) then return { 'duplicate' } end
if f[2] then return { 'closed' } end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = tonumber(f[3] or '0') + 1
-- The record as event_record in include/flow.lua builds it (the event's JSON stored byte for byte).
local record = '{"seq":' .. seq .. ',"id":' .. (id == '' and '""' or cjson.encode(id)) .. ',"at":' .. now .. ',"event":' .. ARGV[2] .. '}'
local length = redis.call('RPUSH', KEYS[2], record)
if id ~= '' then
  -- As remember_id in include/flow.lua: bounded by age and by count.
  local ttl = tonumber(ARGV[6])
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - ttl)
  local count = redis.call('ZCARD', KEYS[4])
  local max = tonumber(ARGV[7])
  if count > max then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, count - max - 1) end
  redis.call('PEXPIRE', KEYS[4], ttl)
end

if token ~= '' and redis.call('SET', KEYS[3], token, 'NX', 'PX', ARGV[4]) then
  -- The epoch is this holder's fencing token.
  local epoch = tonumber(f[4] or '0') + 1
  redis.call('HSET', KEYS[1], 'q', seq, 'e', epoch)
  -- An idle flow's queue holds just this event: no need to read it back.
  local events = length == 1 and { record } or redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[5]) - 1)
  return { 'locked', seq, { epoch, f[1], f[5] or '{}', f[6] or '0', f[7] or '', f[8] or '', events } }
end
redis.call('HSET', KEYS[1], 'q', seq)
return { 'queued', seq }
