-- start()'s permission check: which of the given command lines the calling user's ACL refuses, without running any of them.
-- KEYS: none (the keys to check are arguments: redis.acl_check_cmd reads them, nothing touches them)
-- ARGV: groups `n, command, arg, …`, n being the number of words after it (a command alone checks the command only)
-- Reply: the 1-based numbers of the refused groups, or -1 when this Redis cannot check (no redis.acl_check_cmd: before 7.0)
if not redis.acl_check_cmd then return -1 end
local refused = {}
local i, group = 1, 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  group = group + 1
  -- A line this Redis cannot check (a command it does not know) is not a refusal: the command itself will tell.
  local ok, allowed = pcall(redis.acl_check_cmd, unpack(ARGV, i + 1, i + n))
  if ok and not allowed then refused[#refused + 1] = group end
  i = i + n + 1
end
return refused
