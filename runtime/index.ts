// The fsmc runtime: generated machines running on Redis.
export type * from "./definition.js";
