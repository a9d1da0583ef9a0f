// `@fsmc/runtime/operations`: what operators' tools (the `fsmc flows` commands among them) use on live flows,
// without loading the runtime that processes them.
export { ConfigurationError, InvalidFlowIdError } from "./errors.js";
export { assertFlowId, KeySpace, keyPrefixOption, MAX_FLOW_ID_LENGTH } from "./keys.js";
export { takeKeyPrefix } from "./connection.js";
export { deleteLockOnServers, forceUnlock, inspectFlow, inspectLockServers } from "./ops.js";
export type { FlowInspection } from "./ops.js";
export { DEFAULT_TIMER_SHARDS } from "./timers/store.js";
export { DEFAULT_HOLDER_LIMITS, hungHolderAfterMs, listStuckFlows } from "./watchdog.js";
export type { DeadLetteredFlow, HolderLimits, HungHolder, OrphanedQueue, PastDeadlineFlow, StuckFlows, StuckFlowsOptions } from "./watchdog.js";
export { migrateFlows } from "./migrate-flows.js";
export type { MigrateFlowsOptions, MigrateFlowsReport } from "./migrate-flows.js";
export type { LockServerView } from "./ops.js";
export { listFlows } from "./flow-list.js";
export type { FlowPage, ListedFlow, ListFlowsOptions } from "./flow-list.js";
export { listDeadLetters, purgeDeadLetters, replayDeadLetter, replayEventId } from "./dead-letters.js";
export type { DeadLetter, DeadLetterList, DeadLetterOptions, ReplayOptions, ReplayResult } from "./dead-letters.js";
