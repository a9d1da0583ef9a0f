-- Stores a machine definition under its version, once: a version is one definition for good.
-- KEYS: 1 the machine's definitions hash (fsm:def:{<machine>}: field <version> = definition JSON, h:<version> = its content hash)
-- ARGV: 1 version, 2 content hash, 3 definition JSON
-- Reply: {'stored'} | {'same'} | {'conflict', stored hash}
local stored = redis.call('HGET', KEYS[1], 'h:' .. ARGV[1])
if stored == ARGV[2] then return { 'same' } end
if stored then return { 'conflict', stored } end
redis.call('HSET', KEYS[1], 'h:' .. ARGV[1], ARGV[2], ARGV[1], ARGV[3])
return { 'stored' }
