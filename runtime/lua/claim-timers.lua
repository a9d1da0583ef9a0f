-- Claims due timers of one shard for one process. KEYS[1] = fsm:timers:{machine:shard};
-- ARGV[1] = lease ms, ARGV[2] = batch size. A claimed member is re-scored to now + lease:
-- invisible to other claimers until then, due again if its claimer dies before acking.
-- Returns { now, earliest remaining score or '', member, score when claimed, ... } (the score is
-- the timer's due time, which the member does not hold, or the end of a lease that ran out).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  local lease = string.format('%.0f', now + tonumber(ARGV[1]))
  local args = {}
  for i = 1, #due, 2 do
    args[#args + 1] = lease
    args[#args + 1] = due[i]
  end
  redis.call('ZADD', KEYS[1], 'XX', unpack(args))
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = { now, first[2] or '' }
for i = 1, #due do out[#out + 1] = due[i] end
return out
