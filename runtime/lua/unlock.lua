-- Operations: force-releases a flow's lock; bumping the epoch first makes any zombie holder's commit be refused.
-- KEYS: 1 state hash, 2 lock
-- Reply: {epoch (or -1 when the flow does not exist), 1 if a lock was deleted else 0}
local epoch = -1
if redis.call('EXISTS', KEYS[1]) == 1 then epoch = redis.call('HINCRBY', KEYS[1], 'e', 1) end
return { epoch, redis.call('DEL', KEYS[2]) }
