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
-- (headed by the entry token), d packed deadline, x ended, g the version a migration came from, f attempts begun at the queue head
-- (`<seq>:<n>`, written only off the hot path: by a takeover or before a retry).

-- True while the flow exists and has not ended.
local function is_active(state_key)
  return redis.call('HEXISTS', state_key, 's') == 1 and redis.call('HEXISTS', state_key, 'x') == 0
end

-- Counts one more attempt begun at the queue head, whose first record is `head`: the flow is being
-- taken over from a holder that may have begun it and stopped (crashed, hung past its lock, closed).
-- Returns the count, which the new holder's attempt is. enqueue.lua spells the same steps inline.
local function count_attempt(state_key, head, recorded)
  local seq = string.match(head, '^{"seq":(%d+),')
  local at, n = string.match(recorded or '', '^(%d+):(%d+)$')
  local attempts = (at == seq) and tonumber(n) + 1 or 1
  redis.call('HSET', state_key, 'f', seq .. ':' .. attempts)
  return attempts
end

-- What a new processor needs: its epoch, the flow's state, the first queued records, (when
-- `takeover`) the attempt it begins at the head (0 = not counted), and the machine version it follows.
local function snapshot(state_key, queue_key, epoch, batch, takeover)
  local f = redis.call('HMGET', state_key, 's', 'c', 'v', 't', 'd', 'f', 'm')
  local events = redis.call('LRANGE', queue_key, 0, tonumber(batch) - 1)
  local attempts = 0
  if takeover and events[1] then attempts = count_attempt(state_key, events[1], f[6]) end
  return { epoch, f[1] or '', f[2] or '{}', f[3] or '0', f[4] or '', f[5] or '', events, attempts, f[7] or '0' }
end

-- Takes the free lock (single-instance mode) and bumps the epoch: the fencing token of this holder.
local function take_lock(state_key, queue_key, lock_key, token, ttl_ms, batch, takeover)
  if redis.call('SET', lock_key, token, 'NX', 'PX', ttl_ms) then
    local epoch = redis.call('HINCRBY', state_key, 'e', 1)
    return snapshot(state_key, queue_key, epoch, batch, takeover)
  end
  return false
end
