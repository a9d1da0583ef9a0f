// The fsmc runtime: generated machines running on Redis.
export type * from "./definition.js";
export { FlowRuntime } from "./flow-runtime.js";
export { FlowClient } from "./flow-client.js";
export type { AnyMachineDefinition, FlowSnapshot, SendOptions } from "./flow-client.js";
export type { CommitInfo, Consistency, ErrorContext, FlowRuntimeOptions, RegisterOptions, TransitionInfo, UnhandledEvent } from "./options.js";
export type { ClusterTarget, RedisTarget } from "./connection.js";
export type { RuntimeCounters, RuntimeMetrics, WatchdogMetrics } from "./metrics.js";
export type { TimerServiceStats } from "./timers/index.js";
export type { MetricsServer, MetricsServerOptions } from "./prometheus.js";
export { inspectFlow, forceUnlock } from "./ops.js";
export type { FlowInspection, FlowOpsOptions } from "./ops.js";
export { DEFAULT_HOLDER_LIMITS, hungHolderAfterMs, listStuckFlows, startWatchdog } from "./watchdog.js";
export type {
  DeadLetteredFlow,
  FlowCensus,
  HolderLimits,
  HungHolder,
  OrphanedQueue,
  PastDeadlineFlow,
  StuckFlows,
  StuckFlowsOptions,
  WatchdogOptions,
} from "./watchdog.js";
export {
  FlowRuntimeError,
  PayloadError,
  UnknownEventError,
  InvalidFlowIdError,
  FlowNotFoundError,
  FlowClosedError,
  FlowExistsError,
  RedisUnavailableError,
  ReplicationError,
  LockUnavailableError,
  HandlerMissingError,
  RuntimeClosedError,
  HandlerError,
  HandlerTimeoutError,
  HandlerResultError,
  AttemptsAbandonedError,
  ConfigurationError,
  MachineRegistrationError,
  RedisAuthError,
  RedisPermissionError,
  RedisOutOfMemoryError,
  RedisCommandError,
  VersionConflictError,
  VersionUnavailableError,
  InternalError,
} from "./errors.js";
export type { RedisUnavailableReason } from "./errors.js";
export type { HandlerSite } from "./errors.js";
