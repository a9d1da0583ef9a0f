-- Shared by the flow scripts (prepended when loaded): Redis time, event records, the processor snapshot.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The record is built by concatenation so the event's JSON is stored byte for byte
-- (cjson would round numbers to 14 digits). enqueue.lua builds the same record inline.
local function event_record(seq, id, now, event_json)
  return '{"seq":' .. seq .. ',"id":' .. (id == '' and '""' or cjson.encode(id)) .. ',"at":' .. now .. ',"event":' .. event_json .. '}'
end

-- Remembers an explicit event id for idempotent retries: bounded by age and by count.
local function remember_id(seen_key, id, now, ttl_ms, max_ids)
  redis.call('ZADD', seen_key, now, id)
  redis.call('ZREMRANGEBYSCORE', seen_key, '-inf', now - tonumber(ttl_ms))
  local count = redis.call('ZCARD', seen_key)
  if count > tonumber(max_ids) then
    redis.call('ZREMRANGEBYRANK', seen_key, 0, count - tonumber(max_ids) - 1)
  end
  redis.call('PEXPIRE', seen_key, ttl_ms)
end

-- Flow hash fields (one letter each: see runtime/flow-hash.ts): s state, c context, v version,
-- m machine version, e epoch, q last queue seq, a created, u updated - created, t packed timers
-- (headed by the entry token), d packed deadline, x ended.

-- True while the flow exists and has not ended.
local function is_active(state_key)
  return redis.call('HEXISTS', state_key, 's') == 1 and redis.call('HEXISTS', state_key, 'x') == 0
end

-- What a new processor needs: its epoch, the flow's state, and the first queued records.
local function snapshot(state_key, queue_key, epoch, batch)
  local f = redis.call('HMGET', state_key, 's', 'c', 'v', 't', 'd')
  local events = redis.call('LRANGE', queue_key, 0, tonumber(batch) - 1)
  return { epoch, f[1] or '', f[2] or '{}', f[3] or '0', f[4] or '', f[5] or '', events }
end

-- Takes the free lock (single-instance mode) and bumps the epoch: the fencing token of this holder.
local function take_lock(state_key, queue_key, lock_key, token, ttl_ms, batch)
  if redis.call('SET', lock_key, token, 'NX', 'PX', ttl_ms) then
    local epoch = redis.call('HINCRBY', state_key, 'e', 1)
    return snapshot(state_key, queue_key, epoch, batch)
  end
  return false
end
