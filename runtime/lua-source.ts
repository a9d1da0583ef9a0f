// The runtime's Lua scripts, read from the lua/ folder beside this module (runtime/lua, or dist/lua once built).
import { readFileSync } from "node:fs";

const luaDir = new URL("./lua/", import.meta.url);

/** The text of the Lua script `name` (a path inside lua/, such as "commit.lua" or "include/flow.lua"). */
export function luaSource(name: string): string {
  return readFileSync(new URL(name, luaDir), "utf8");
}
