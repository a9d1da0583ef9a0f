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
  constructor(
    machine: string,
    readonly eventType: string,
  ) {
    super("EVENT_UNKNOWN", `machine ${machine} declares no event '${eventType}'`);
  }
}

export class InvalidFlowIdError extends FlowRuntimeError {
  constructor(flowId: unknown, reason: string) {
    super("FLOW_ID_INVALID", `invalid flow id ${JSON.stringify(flowId)}: ${reason}`);
  }
}

export class FlowNotFoundError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly flowId: string,
  ) {
    super("FLOW_NOT_FOUND", `flow ${machine}/${flowId} does not exist (never started, or expired after it ended)`);
  }
}

export class FlowClosedError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly flowId: string,
  ) {
    super("FLOW_CLOSED", `flow ${machine}/${flowId} has ended and accepts no more events`);
  }
}

export class FlowExistsError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly flowId: string,
  ) {
    super("FLOW_EXISTS", `flow ${machine}/${flowId} was already started (retry with the same eventId to make start idempotent)`);
  }
}

/**
 * Why Redis could not be reached: `refused` (nothing listens at the address), `timeout` (no answer
 * within the bound), `tls` (the TLS handshake failed, e.g. an untrusted certificate), `closed` (the
 * connection dropped), `unknown` (anything else, e.g. a host name that does not resolve).
 */
export type RedisUnavailableReason = "refused" | "timeout" | "tls" | "closed" | "unknown";

/** Redis could not be reached, or did not answer within the bounded time; `address` is host:port, `reason` says why. */
export class RedisUnavailableError extends FlowRuntimeError {
  readonly reason: RedisUnavailableReason;
  constructor(
    readonly address: string,
    detail: string,
    options?: { cause?: unknown; reason?: RedisUnavailableReason },
  ) {
    super("REDIS_UNAVAILABLE", `Redis at ${address} is unavailable: ${detail}`, options);
    this.reason = options?.reason ?? "unknown";
  }
}

/**
 * Redis refused the connection's credentials: `missing` when it requires a password and none was
 * sent (NOAUTH), `wrong` when the user/password pair was refused (WRONGPASS: a wrong password, or a
 * user that does not exist or is disabled). Retrying does not help: the configuration must change.
 */
export class RedisAuthError extends FlowRuntimeError {
  constructor(
    readonly address: string,
    /** The user the connection authenticates as: from the connection options, `default` when none is set (undefined: not known where the error was caught). */
    readonly user: string | undefined,
    readonly problem: "missing" | "wrong",
    options?: { cause?: unknown },
  ) {
    const who = user === undefined ? "the connection's user" : `user '${user}'`;
    const text =
      problem === "missing"
        ? `requires a password, and none is configured for ${who} (NOAUTH)`
        : `refused the password of ${who} (WRONGPASS: a wrong password, or a user that does not exist or is disabled)`;
    super("REDIS_AUTH", `Redis at ${address} ${text}`, options);
  }
}

/**
 * The ACL of the connected user refuses a command, or a key, the runtime needs (NOPERM). `commands`
 * and `keys` name what was refused (keys as the patterns the runtime uses when `start()` found them,
 * e.g. `fsm:{Call:*}:s`, else the keys of the refused call); either may be empty.
 */
export class RedisPermissionError extends FlowRuntimeError {
  constructor(
    readonly address: string,
    /** The connected user, when known. */
    readonly user: string | undefined,
    readonly commands: readonly string[],
    readonly keys: readonly string[],
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      "REDIS_NO_PERMISSION",
      `Redis at ${address} refuses ${user === undefined ? "the connection's user" : `user '${user}'`} by its ACL: ${detail}`,
      options,
    );
  }
}

/**
 * Redis is at `maxmemory` with a policy that evicts nothing (`noeviction`) and refuses writes: events
 * are not being accepted, and flows are not being processed, until memory is freed or maxmemory raised.
 */
export class RedisOutOfMemoryError extends FlowRuntimeError {
  constructor(
    readonly address: string,
    readonly command: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      "REDIS_OOM",
      `Redis at ${address} is out of memory and refused ${command ?? "a write"} (OOM: used memory > 'maxmemory', and its policy evicts nothing): ` +
        `events are not being accepted and flows are not processed; raise maxmemory or free memory`,
      options,
    );
  }
}

/** Redis answered a command with an error reply not covered above (e.g. WRONGTYPE, a script error); `reply` is Redis's text. */
export class RedisCommandError extends FlowRuntimeError {
  constructor(
    readonly address: string,
    readonly command: string | undefined,
    readonly reply: string,
    options?: { cause?: unknown },
  ) {
    super("REDIS_COMMAND", `Redis at ${address} answered ${command ?? "a command"} with an error: ${reply}`, options);
  }
}

/** `consistency: "replicated"`: WAIT confirmed fewer replicas than required before its timeout. */
export class ReplicationError extends FlowRuntimeError {
  constructor(
    readonly required: number,
    readonly confirmed: number,
    timeoutMs: number,
  ) {
    super(
      "REPLICATION_TIMEOUT",
      `only ${confirmed} of ${required} replica(s) confirmed the event within ${timeoutMs} ms: ` +
        `it is enqueued on the primary but not confirmed as replicated, and may be lost if the primary fails now`,
    );
  }
}

/** Redlock mode: no quorum of lock servers answered; processing waits and resumes when they return. */
export class LockUnavailableError extends FlowRuntimeError {
  constructor(
    readonly resource: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      "LOCK_UNAVAILABLE",
      `cannot reach a quorum of lock servers for ${resource}: ${detail}; the flow's events stay queued and processing resumes when the lock servers return`,
      options,
    );
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

/** Where a handler error happened: the machine, the flow, the handler, and the event it was handling. */
export interface HandlerSite {
  readonly machine: string;
  readonly flowId: string;
  /** `guard <name>` or `action <name>`. */
  readonly handler: string;
  readonly eventType: string;
}

function siteText(site: HandlerSite): string {
  return `machine ${site.machine}, flow ${site.flowId}, ${site.handler} on event ${site.eventType}`;
}

/** A guard or action threw or rejected; `cause` is what it threw. The attempt is retried, then dead-lettered. */
export class HandlerError extends FlowRuntimeError {
  constructor(
    readonly site: HandlerSite,
    options: { cause: unknown },
  ) {
    const cause = options.cause;
    super("HANDLER_FAILED", `${siteText(site)} failed: ${cause instanceof Error ? cause.message : String(cause)}`, options);
  }
}

/** A handler ran past its time limit (`handlerTimeoutMs`); its `io.signal` was aborted and the attempt failed. */
export class HandlerTimeoutError extends FlowRuntimeError {
  constructor(
    readonly site: HandlerSite,
    readonly limitMs: number,
  ) {
    super("HANDLER_TIMEOUT", `${siteText(site)} did not finish within its limit of ${limitMs} ms (handlerTimeoutMs)`);
  }
}

/**
 * A handler returned something that cannot be committed: a guard that did not return a boolean, an
 * action whose result is not an object of context fields, cannot be stored as JSON (BigInt, a cycle,
 * NaN or ±Infinity), or breaks the machine's context schema. `field` and `rule` as in PayloadError.
 */
export class HandlerResultError extends FlowRuntimeError {
  constructor(
    readonly site: HandlerSite,
    readonly field: string,
    readonly rule: string,
    detail: string,
  ) {
    super("HANDLER_RESULT_INVALID", `${siteText(site)} returned a result that cannot be committed: ${detail}`);
  }
}

/**
 * Processes that held the flow stopped (crashed, hung past the lock TTL, or were closed) during every
 * allowed attempt of its head event: it is dead-lettered without running its handlers again.
 */
export class AttemptsAbandonedError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly flowId: string,
    readonly seq: number,
    readonly attempts: number,
  ) {
    super(
      "ATTEMPTS_ABANDONED",
      `flow ${machine}/${flowId}: event #${seq} was begun ${attempts} times by holders that never finished it (crashed, hung past the lock TTL, or closed); dead-lettered without running it again`,
    );
  }
}

/** A runtime option, or a definition given to `register`, is not valid. */
export class ConfigurationError extends FlowRuntimeError {
  constructor(message: string) {
    super("CONFIGURATION_INVALID", message);
  }
}

/** `register` named a machine already registered in this runtime, or a client used a machine it never registered. */
export class MachineRegistrationError extends FlowRuntimeError {
  constructor(message: string) {
    super("MACHINE_REGISTRATION", message);
  }
}

/** A definition's `version` is already stored with other content: a changed machine needs a new version number. */
export class VersionConflictError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly version: number,
    readonly storedHash: string,
    readonly hash: string,
  ) {
    super(
      "VERSION_CONFLICT",
      `machine ${machine} version ${version} is already stored with content hash ${storedHash}, and this definition hashes to ${hash}: ` +
        `flows of version ${version} must run one definition, so bump \`version\` in the spec when the machine changes`,
    );
  }
}

/**
 * A flow follows a version of its machine this process cannot run: neither registered here nor stored
 * in Redis, or stored but naming guards or actions this process's handlers lack. The flow is left to a
 * process that can (the watchdog and `fsmc flows stuck` name flows no live process can run).
 */
export class VersionUnavailableError extends FlowRuntimeError {
  constructor(
    readonly machine: string,
    readonly version: number,
    readonly reason: string,
  ) {
    super("VERSION_UNAVAILABLE", `machine ${machine} version ${version} cannot run in this process: ${reason}; its flows are left to processes that can`);
  }
}

/** A failure of code or stored data rather than of Redis or a handler (a context that is not JSON, a bug); `cause` is the original. */
export class InternalError extends FlowRuntimeError {
  constructor(problem: Error | string) {
    super(
      "INTERNAL",
      `internal error: ${typeof problem === "string" ? problem : problem.message}`,
      typeof problem === "string" ? undefined : { cause: problem },
    );
  }
}
