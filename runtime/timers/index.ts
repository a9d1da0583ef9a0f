// Durable timers and deadlines: the store that arms and cancels them, the service that delivers them when due.
export type { TimerSpec, ArmedTimer, DueTimer, TimerKind, TimerRedis, TimerStoreOptions, TimerServiceOptions } from "./types.js";
export { TimerStore, DEFAULT_TIMER_SHARDS, type TimerShardRef } from "./store.js";
export { TimerService } from "./service.js";
export type { TimerServiceStats } from "./service.js";
export { timerShard, timerShardKey, decodeTimerMember, timerIdIn, relativeTimerId, type DecodedMember } from "./member.js";
export { packArmed, unpackArmed, entryOfPacked } from "./packed.js";
