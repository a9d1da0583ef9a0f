-- Appends one event to each of several flows' queues (the ack) and, for each flow whose lock is free and a token is given, takes it.
-- One call carries the events that one process sends in the same tick (runtime/script-batch.ts), so
-- Redis and the client pay the per-call cost once for all of them; each flow's step is the same as
-- if it ran alone, with its own keys and its own reply. (On Redis Cluster every call holds one flow.)
-- KEYS (4 per flow): per flow i = 0, 1, …: 4i+1 state hash, 4i+2 queue, 4i+3 lock, 4i+4 seen ids
-- ARGV (4, then 3 per flow): 1 lock ttl ms, 2 batch, 3 seen-id ttl ms, 4 max seen ids,
--       then per flow i: 5+3i event id ('' = none), 6+3i event JSON, 7+3i lock token ('' = do not take the lock:
--       what Redlock mode, a runtime that is not started and `fsmc flows migrate` pass)
-- Reply: per flow, {'unknown'} | {'closed'} | {'duplicate'} | seq (queued) | {'error', message}
--        | {'locked', seq, epoch, state, context, version, packed timers, packed deadline, events, attempts, machine version}, where
--        events is the queued records, or only the enqueue time when this event is the only one, and attempts
--        the attempt the new holder begins at the queue head when it takes over waiting events (0 = not counted).
-- This runs for every event, so it is kept lean: one TIME per call, every field a flow needs from
-- one HMGET, the counters back with one HSET instead of an HINCRBY each, and no shared include
-- (whose function definitions Lua would build again on every call).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Once per call: Lua turns a number into text with a slow sprintf.
local now_text = string.format('%d', now)
local ttl_ms = ARGV[1]
local batch = tonumber(ARGV[2])
local seen_ttl = tonumber(ARGV[3])
local seen_max = tonumber(ARGV[4])

local function enqueue(state, queue, lock, seen, id, event, token)
  -- With a token the processor's fields come too: an idle flow (the common case) is taken at once.
  local f
  if token ~= '' then
    f = redis.call('HMGET', state, 's', 'x', 'q', 'e', 'c', 'v', 't', 'd', 'f', 'm')
  else
    f = redis.call('HMGET', state, 's', 'x', 'q')
  end
  -- Every flow hash has a state field from start.lua on, so a missing one means no flow.
  if not f[1] then return { 'unknown' } end
  -- A retry of an acknowledged event is acknowledged again, even if the flow ended since.
  if id ~= '' and redis.call('ZSCORE', seen, id) then return { 'duplicate' } end
  if f[2] then return { 'closed' } end

  local seq = tonumber(f[3] or '0') + 1
  -- The record as event_record in include/flow.lua builds it (the event's JSON stored byte for byte).
  local record = '{"seq":' .. seq .. ',"id":' .. (id == '' and '""' or cjson.encode(id)) .. ',"at":' .. now_text .. ',"event":' .. event .. '}'
  local length = redis.call('RPUSH', queue, record)
  if id ~= '' then
    -- As remember_id in include/flow.lua: bounded by age and by count.
    redis.call('ZADD', seen, now, id)
    redis.call('ZREMRANGEBYSCORE', seen, '-inf', now - seen_ttl)
    local count = redis.call('ZCARD', seen)
    if count > seen_max then redis.call('ZREMRANGEBYRANK', seen, 0, count - seen_max - 1) end
    redis.call('PEXPIRE', seen, seen_ttl)
  end

  if token ~= '' and redis.call('SET', lock, token, 'NX', 'PX', ttl_ms) then
    -- The epoch is this holder's fencing token.
    local epoch = tonumber(f[4] or '0') + 1
    -- An idle flow's queue holds just this event, which the caller has: only its time goes back.
    if length == 1 then
      redis.call('HSET', state, 'q', seq, 'e', epoch)
      -- Flat, not the nested snapshot start.lua sends: every table in a reply costs Redis a conversion.
      return { 'locked', seq, epoch, f[1], f[5] or '{}', f[6] or '0', f[7] or '', f[8] or '', now, 0, f[10] or '0' }
    end
    -- Events were waiting with no holder: a takeover. The last holder may have begun the head and
    -- stopped, so one more attempt at it is counted (as count_attempt in include/flow.lua).
    local events = redis.call('LRANGE', queue, 0, batch - 1)
    local head = string.match(events[1], '^{"seq":(%d+),')
    local at, n = string.match(f[9] or '', '^(%d+):(%d+)$')
    local attempts = (at == head) and tonumber(n) + 1 or 1
    redis.call('HSET', state, 'q', seq, 'e', epoch, 'f', head .. ':' .. attempts)
    return { 'locked', seq, epoch, f[1], f[5] or '{}', f[6] or '0', f[7] or '', f[8] or '', events, attempts, f[10] or '0' }
  end
  redis.call('HSET', state, 'q', seq)
  -- A bare number: the commonest reply on a busy flow is also the shortest.
  return seq
end

local out = {}
for i = 0, #KEYS / 4 - 1 do
  local k, a = 4 * i, 4 + 3 * i
  -- A failing command (a key of the wrong type, say) fails only its own flow's event, as it would alone.
  local ok, reply = pcall(enqueue, KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3])
  if ok then
    out[i + 1] = reply
  else
    out[i + 1] = { 'error', type(reply) == 'table' and tostring(reply.err) or tostring(reply) }
  end
end
return out
