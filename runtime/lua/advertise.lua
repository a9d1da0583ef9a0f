-- Says which versions of a machine a live process can run, for a while: the watchdog names flows whose version none can.
-- KEYS: 1 fsm:runners:{<machine>} (zset: version -> until, Redis ms)
-- ARGV: 1 how long the word holds (ms), 2… the versions
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = string.format('%.0f', now + tonumber(ARGV[1]))
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'GT', untilMs, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return 1
