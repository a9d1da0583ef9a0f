-- Commits what a processor applied: fence check, state write, pop, dead letter, and lock release or extension, atomically.
-- KEYS: 1 state hash, 2 queue, 3 lock, 4 seen ids, 5 dead letters
-- ARGV: 1 lock token ('' = lock held elsewhere: Redlock mode), 2 epoch, 3 expected version,
--       4 applied count, 5 pop count, 6 seq of the queue head to pop ('' when pop count is 0),
--       7 state, 8 context JSON ('' = unchanged), 9 packed timers headed by the entry token ('' = unchanged, '-' = none),
--       10 packed deadline ('' = unchanged, '-' = remove), 11 ended ('1'|'0'), 12 retention ms,
--       13 lock ttl ms, 14 batch, 15 dead-letter record ('' = none), 16 max dead letters,
--       17 release even if events remain ('1'|'0')
-- Hash fields as in include/flow.lua (one letter each).
-- Reply: {'stale', epoch, version} | {'ended', dropped} | {'released'} | {'more', records}
local f = redis.call('HMGET', KEYS[1], 'e', 'v', 'x', 'a')
if f[1] ~= ARGV[2] or f[2] ~= ARGV[3] or f[3] then
  return { 'stale', f[1] or '', f[2] or '' }
end

local token = ARGV[1]
local pop = tonumber(ARGV[5])
if pop > 0 then
  -- Only the fenced holder pops, so the head is what it read; checked anyway, never trusted.
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head or string.match(head, '^{"seq":(%d+),') ~= ARGV[6] then
    return { 'stale', f[1], f[2] }
  end
  redis.call('LTRIM', KEYS[2], pop, -1)
end

local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
-- One HSET and at most one HDEL for every field the commit changes.
-- `updated` is kept as ms since `created`: a small integer instead of a 13-digit one.
local set = { 's', ARGV[7], 'v', tonumber(f[2]) + tonumber(ARGV[4]), 'u', now_ms - tonumber(f[4] or now_ms) }
-- '' = the context did not change: the stored JSON is already right.
if ARGV[8] ~= '' then set[#set + 1] = 'c'; set[#set + 1] = ARGV[8] end
-- '-' (nothing armed) is stored as no field at all: the absent field reads back as nothing armed.
local gone = {}
for i, field in ipairs({ 't', 'd' }) do
  local value = ARGV[8 + i]
  if value == '-' then
    gone[#gone + 1] = field
  elseif value ~= '' then
    set[#set + 1] = field; set[#set + 1] = value
  end
end
redis.call('HSET', KEYS[1], unpack(set))
if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
if ARGV[15] ~= '' then
  redis.call('RPUSH', KEYS[5], ARGV[15])
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[16]), -1)
end

local function release()
  if token ~= '' and redis.call('GET', KEYS[3]) == token then redis.call('DEL', KEYS[3]) end
end

if ARGV[11] == '1' then
  local dropped = redis.call('LLEN', KEYS[2])
  redis.call('HSET', KEYS[1], 'x', 1)
  redis.call('DEL', KEYS[2])
  release()
  local retention = ARGV[12]
  redis.call('PEXPIRE', KEYS[1], retention)
  if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('PEXPIRE', KEYS[4], retention) end
  if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('PEXPIRE', KEYS[5], retention) end
  return { 'ended', dropped }
end

-- Releasing only when the queue is empty, in the same script as the pop, closes the lost-wakeup
-- window: an event enqueued after this point finds the lock free and takes it itself. The next
-- events are read at once: an empty read is the empty queue, a full one is the reply.
if ARGV[17] == '1' then
  release()
  return { 'released' }
end
local events = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[14]) - 1)
if #events == 0 then
  release()
  return { 'released' }
end
if token ~= '' then
  local holder = redis.call('GET', KEYS[3])
  if holder == token then
    redis.call('PEXPIRE', KEYS[3], ARGV[13])
  elseif not holder then
    -- Expired while we worked, and nobody took it (the epoch still matches): take it back.
    redis.call('SET', KEYS[3], token, 'PX', ARGV[13])
  end
end
return { 'more', events }
