-- Arms timers of one flow in its shard. KEYS[1] = fsm:timers:{machine:shard};
-- ARGV = member, ms, member, ms, ... Due = Redis TIME + ms, the member's score: the member holds
-- no time (its entry token already makes a re-armed timer another member). Returns { due, ... }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #ARGV, 2 do
  local due = now + tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[1], string.format('%.0f', due), ARGV[i])
  out[#out + 1] = due
end
return out
