-- Commits what processors applied to several flows: per flow the fence check, state write, pop, timers, dead letter, and lock release or extension, atomically.
-- One call carries the commits that one process's drains reach in the same tick (runtime/script-batch.ts);
-- each flow's step is the same as if it ran alone, with its own keys and its own reply.
-- KEYS (5 or 6 per flow): per flow, in order: state hash, queue, lock, seen ids, dead letters, and its timer shard
--       (fsm:timers:{<machine>:<n>}) when it arms or cancels timers (standalone Redis only: on a
--       Cluster the shard is another slot, and the runtime arms and cancels in scripts of their own)
-- ARGV (5, then 17 per flow): 1 retention ms, 2 lock ttl ms, 3 batch, 4 max dead letters,
--       5 lock mode: 'single' (the lock is the flow's lock key, released or extended here) or 'redlock'
--         (the lock lives on the lock servers: the lock key is never touched), then per flow i (from a = 5 + 17i):
--       a+1 lock token (the lock key's value; unused in Redlock mode), a+2 epoch, a+3 expected version,
--       a+4 applied count, a+5 pop count, a+6 seq of the queue head to pop ('' when pop count is 0),
--       a+7 state, a+8 context JSON ('' = unchanged), a+9 packed timers headed by the entry token ('' = unchanged, '-' = none),
--       a+10 packed deadline ('' = unchanged, '-' = remove), a+11 ended ('1'|'0'),
--       a+12 dead-letter record ('' = none), a+13 release even if events remain ('1'|'0'),
--       a+14 timers to arm: ms FS member FS ms FS member … ('' = none), a+15 members to cancel, FS between them ('' = none),
--       a+16 '1' to forget the attempts counted at the head (field f) once the pop consumed it, else '0',
--       a+17 a migration: '<new machine version>:<old version>' ('' = none)
-- Hash fields as in include/flow.lua (one letter each).
-- Reply: per flow, {'stale', epoch, version} | {'ended', dropped} | 0 (released: the commonest, as a bare number) | {'more', records} | {'error', message}
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local retention = ARGV[1]
local ttl_ms = ARGV[2]
local batch = tonumber(ARGV[3])
local max_dead = tonumber(ARGV[4])
-- In Redlock mode the holder releases and extends its lock on the lock servers itself.
local lock_beside = ARGV[5] == 'single'

-- Past the fence check the lock is this holder's or gone: every holder that takes a flow's lock
-- bumps its epoch in the same script (enqueue, start, claim; fence in Redlock mode), and a
-- force-release bumps it too. So releasing is a plain DEL, and keeping it a plain SET, with no GET.
local function release(lock)
  if lock_beside then redis.call('DEL', lock) end
end

local function commit(state, queue, lock, seen, dead, timers, a)
  local f = redis.call('HMGET', state, 'e', 'v', 'x', 'a', 'q')
  if f[1] ~= ARGV[a + 2] or f[2] ~= ARGV[a + 3] or f[3] then
    return { 'stale', f[1] or '', f[2] or '' }
  end

  local token = ARGV[a + 1]
  local pop = tonumber(ARGV[a + 5])
  if pop > 0 then
    -- Only the fenced holder pops, so the head is what it read; checked anyway, never trusted:
    -- on a mismatch the popped records go back where they were.
    local popped = redis.call('LPOP', queue, pop)
    if not popped or string.match(popped[1], '^{"seq":(%d+),') ~= ARGV[a + 6] then
      if popped then
        for j = #popped, 1, -1 do redis.call('LPUSH', queue, popped[j]) end
      end
      return { 'stale', f[1], f[2] }
    end
  end

  -- One HSET and at most one HDEL for every field the commit changes.
  -- `updated` is kept as ms since `created`: a small integer instead of a 13-digit one.
  local set = { 's', ARGV[a + 7], 'v', tonumber(f[2]) + tonumber(ARGV[a + 4]), 'u', now_ms - tonumber(f[4] or now_ms) }
  -- '' = the context did not change: the stored JSON is already right.
  if ARGV[a + 8] ~= '' then set[#set + 1] = 'c'; set[#set + 1] = ARGV[a + 8] end
  -- '-' (nothing armed) is stored as no field at all: the absent field reads back as nothing armed.
  local gone = {}
  local value = ARGV[a + 9]
  if value == '-' then gone[#gone + 1] = 't' elseif value ~= '' then set[#set + 1] = 't'; set[#set + 1] = value end
  value = ARGV[a + 10]
  if value == '-' then gone[#gone + 1] = 'd' elseif value ~= '' then set[#set + 1] = 'd'; set[#set + 1] = value end
  if ARGV[a + 16] == '1' then gone[#gone + 1] = 'f' end
  -- A migration: the flow follows the new version from now on, and remembers the one it came from.
  local to, from = string.match(ARGV[a + 17], '^(%d+):(%d+)$')
  if to then set[#set + 1] = 'm'; set[#set + 1] = to; set[#set + 1] = 'g'; set[#set + 1] = from end
  redis.call('HSET', state, unpack(set))
  if #gone > 0 then redis.call('HDEL', state, unpack(gone)) end
  -- Timers of the state left go, those of the state entered come, in the same step that enters it:
  -- a refused commit arms nothing and cancels nothing. Due = Redis TIME + ms, the member's score.
  if timers then
    for member in string.gmatch(ARGV[a + 15], '[^\28]+') do redis.call('ZREM', timers, member) end
    for ms, member in string.gmatch(ARGV[a + 14], '(%d+)\28([^\28]+)') do
      redis.call('ZADD', timers, string.format('%.0f', now_ms + tonumber(ms)), member)
    end
  end
  if ARGV[a + 12] ~= '' then
    redis.call('RPUSH', dead, ARGV[a + 12])
    redis.call('LTRIM', dead, -max_dead, -1)
  end

  if ARGV[a + 11] == '1' then
    local dropped = redis.call('LLEN', queue)
    redis.call('HSET', state, 'x', 1)
    redis.call('DEL', queue)
    release(lock)
    redis.call('PEXPIRE', state, retention)
    if redis.call('EXISTS', seen) == 1 then redis.call('PEXPIRE', seen, retention) end
    if redis.call('EXISTS', dead) == 1 then redis.call('PEXPIRE', dead, retention) end
    return { 'ended', dropped }
  end

  -- Releasing only when the queue is empty, in the same script as the pop, closes the lost-wakeup
  -- window: an event enqueued after this point finds the lock free and takes it itself. The next
  -- events are read at once: an empty read is the empty queue, a full one is the reply.
  if ARGV[a + 13] == '1' then
    release(lock)
    return 0
  end
  -- Sequence numbers are handed out one by one as events are appended (enqueue.lua), so a pop that
  -- ended at the last one handed out (`q`) emptied the queue: no need to read it to know.
  if pop > 0 and tonumber(f[5]) == tonumber(ARGV[a + 6]) + pop - 1 then
    release(lock)
    return 0
  end
  local events = redis.call('LRANGE', queue, 0, batch - 1)
  if #events == 0 then
    release(lock)
    return 0
  end
  -- Extends the lock, or takes it back if it expired while we worked (nobody took it: the epoch still matches).
  if lock_beside then redis.call('SET', lock, token, 'PX', ttl_ms) end
  return { 'more', events }
end

local out = {}
local k = 0
for i = 0, (#ARGV - 5) / 17 - 1 do
  local a = 5 + 17 * i
  -- A flow's timer shard is among its keys only when it arms or cancels timers.
  local timers = nil
  if ARGV[a + 14] ~= '' or ARGV[a + 15] ~= '' then timers = KEYS[k + 6] end
  -- A failing command fails only its own flow's commit, as it would alone.
  local ok, reply = pcall(commit, KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5], timers, a)
  k = k + (timers and 6 or 5)
  if ok then
    out[i + 1] = reply
  else
    out[i + 1] = { 'error', type(reply) == 'table' and tostring(reply.err) or tostring(reply) }
  end
end
return out
