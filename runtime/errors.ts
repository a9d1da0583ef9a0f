// The typed errors the runtime throws at its edge; each carries a stable `code` a caller can switch on.

/** Base of every runtime error: catch this to catch them all. */
export class FlowRuntimeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An event or start context does not match its generated JSON Schema; nothing was enqueued. */
export class PayloadError extends FlowRuntimeError {
  constructor(
    message: string,
    /** The offending field as a dotted path ("" when the payload as a whole is wrong). */
    readonly field: string,
    /** The JSON Schema keyword that failed, e.g. "enum", "required", "type". */
    readonly rule: string,
  ) {
    super("PAYLOAD_INVALID", message);
  }
}

/** The event type is not declared by the machine (or is one of the runtime's own `fsm.*` events). */
export class UnknownEventError extends FlowRuntimeError {
  constructor(machine: string, readonly eventType: string) {
    super("EVENT_UNKNOWN", `machine ${machine} declares no event '${eventType}'`);
  }
}

export class InvalidFlowIdError extends FlowRuntimeError {
  constructor(flowId: unknown, reason: string) {
    super("FLOW_ID_INVALID", `invalid flow id ${JSON.stringify(flowId)}: ${reason}`);
  }
}

export class FlowNotFoundError extends FlowRuntimeError {
  constructor(readonly machine: string, readonly flowId: string) {
    super("FLOW_NOT_FOUND", `flow ${machine}/${flowId} does not exist (never started, or expired after it ended)`);
  }
}

export class FlowClosedError extends FlowRuntimeError {
  constructor(readonly machine: string, readonly flowId: string) {
    super("FLOW_CLOSED", `flow ${machine}/${flowId} has ended and accepts no more events`);
  }
}

export class FlowExistsError extends FlowRuntimeError {
  constructor(readonly machine: string, readonly flowId: string) {
    super("FLOW_EXISTS", `flow ${machine}/${flowId} was already started (retry with the same eventId to make start idempotent)`);
  }
}

/** Redis did not answer within the bounded time; `address` is host:port. */
export class RedisUnavailableError extends FlowRuntimeError {
  constructor(readonly address: string, detail: string, options?: { cause?: unknown }) {
    super("REDIS_UNAVAILABLE", `Redis at ${address} is unavailable: ${detail}`, options);
  }
}

/** `consistency: "replicated"`: WAIT confirmed fewer replicas than required before its timeout. */
export class ReplicationError extends FlowRuntimeError {
  constructor(readonly required: number, readonly confirmed: number, timeoutMs: number) {
    super(
      "REPLICATION_TIMEOUT",
      `only ${confirmed} of ${required} replica(s) confirmed the event within ${timeoutMs} ms: ` +
        `it is enqueued on the primary but not confirmed as replicated, and may be lost if the primary fails now`,
    );
  }
}

/** Redlock mode: no quorum of lock servers answered; processing waits and resumes when they return. */
export class LockUnavailableError extends FlowRuntimeError {
  constructor(readonly resource: string, detail: string, options?: { cause?: unknown }) {
    super("LOCK_UNAVAILABLE", `cannot reach a quorum of lock servers for ${resource}: ${detail}; the flow's events stay queued and processing resumes when the lock servers return`, options);
  }
}

/** `register` was given handlers that miss a guard or action the machine uses. */
export class HandlerMissingError extends FlowRuntimeError {
  constructor(machine: string, kind: "guard" | "action", name: string) {
    super("HANDLER_MISSING", `machine ${machine}: no ${kind} handler named '${name}'`);
  }
}

/** The runtime was closed (or is closing); nothing more is accepted. */
export class RuntimeClosedError extends FlowRuntimeError {
  constructor() {
    super("RUNTIME_CLOSED", "the flow runtime is closed");
  }
}
