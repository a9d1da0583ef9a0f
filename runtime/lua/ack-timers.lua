-- Removes delivered (or cancelled) timers from one shard. KEYS[1] = fsm:timers:{shard};
-- ARGV = members. Returns how many were still there: fewer means another process already
-- acked one, i.e. it was delivered twice across a lease expiry.
if #ARGV == 0 then return 0 end
return redis.call('ZREM', KEYS[1], unpack(ARGV))
