-- Arms timers of one flow in its shard. KEYS[1] = fsm:timers:{shard};
-- ARGV = member prefix, ms, member prefix, ms, ... Due = Redis TIME + ms, appended to the
-- prefix in base 36 so a re-armed timer is a new member. Returns { due, member, ... }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
local function base36(n)
  local s = ''
  repeat
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = math.floor(n / 36)
  until n == 0
  return s
end
local out = {}
for i = 1, #ARGV, 2 do
  local due = now + tonumber(ARGV[i + 1])
  local member = ARGV[i] .. base36(due)
  redis.call('ZADD', KEYS[1], string.format('%.0f', due), member)
  out[#out + 1] = due
  out[#out + 1] = member
end
return out
