-- Counts the attempt a holder is about to begin at its flow's queue head (a retry), before it runs:
-- a holder that dies or hangs in it has still used it up. Fenced: only the holder of `epoch` counts.
-- KEYS: 1 state hash
-- ARGV: 1 holder's epoch, 2 seq of the head event, 3 the attempt it begins (1-based)
-- Reply: 1 counted | 0 stale (the flow was taken over, or ended)
if redis.call('HGET', KEYS[1], 'e') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'x') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'f', ARGV[2] .. ':' .. ARGV[3])
return 1
