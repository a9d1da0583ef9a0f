-- Removes a flow from its pending shard, unless an enqueue refreshed its entry since the sweeper read it.
-- KEYS: 1 pending shard zset
-- ARGV: 1 member, 2 the score the sweeper read
-- Reply: 1 removed | 0 kept
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
