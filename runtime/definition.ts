// The data shape of a compiled machine: what generated modules export and the runtime executes.

/** A JSON Schema object as emitted by the compiler (draft 2020-12 subset ajv understands). */
export type JsonSchema = { readonly [key: string]: unknown };

/** A guard expression as data. `else` only appears as a whole clause guard. */
export type GuardData = { readonly ref: string } | { readonly not: GuardData } | { readonly and: readonly GuardData[] } | { readonly or: readonly GuardData[] };

export interface ClauseData<S extends string = string> {
  /** Undefined: always taken. "else": taken when no earlier clause for the trigger in the same scope was. */
  readonly guard?: GuardData | "else";
  /** Undefined: internal transition (actions only, timers keep running). */
  readonly target?: S;
  readonly actions: readonly string[];
}

/** All `after D` clauses of one state with the same duration form one timer; clauses are tried in order. */
export interface TimerData<S extends string = string> {
  /** Stable id within the machine: `<State>/<duration as written, normalised>`, e.g. "Greeting/10s". */
  readonly id: string;
  readonly ms: number;
  readonly clauses: readonly ClauseData<S>[];
}

export interface StateData<S extends string = string> {
  readonly final: boolean;
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  /** Event type → clauses of this state in source order. */
  readonly on: { readonly [eventType: string]: readonly ClauseData<S>[] };
  readonly timers: readonly TimerData<S>[];
}

export interface DeadlineData<S extends string = string> {
  readonly ms: number;
  readonly target: S;
  readonly actions: readonly string[];
}

/** One `migrate from N { Old -> New … }` block of a machine. */
export interface MigrationData<S extends string = string> {
  /** The older version whose flows it moves. */
  readonly from: number;
  /** Old state → state of this version. */
  readonly states: { readonly [oldState: string]: S };
}

/** The type of the event a timer clause's handlers receive. */
export interface TimerEvent<S extends string = string> {
  readonly type: "fsm.timer";
  /** The timer's id, e.g. "Greeting/10s". */
  readonly timer: string;
  readonly state: S;
  readonly ms: number;
}

/** The type of the event the deadline clause's handlers receive. */
export interface DeadlineEvent {
  readonly type: "fsm.deadline";
  readonly ms: number;
}

/** The event the initial state's entry actions receive when a flow starts. */
export interface StartEvent {
  readonly type: "fsm.start";
}

/** What an action receives besides context and event. */
export interface ActionIO {
  readonly flowId: string;
  readonly machine: string;
  /** Flow id + event sequence: the same for every retry of the same event. */
  readonly idempotencyKey: string;
  /** Sequence number of the event being applied (1-based, per flow). */
  readonly seq: number;
  /** Which attempt at this event this is (1-based), counted across retries and processes. */
  readonly attempt: number;
  /**
   * Aborted when the attempt runs past its time limit (`handlerTimeoutMs`) or the runtime closes
   * without waiting for it: pass it to fetch, timers or clients so the action's own work stops too.
   * Whatever the action does after that is ignored; the attempt has failed.
   */
  readonly signal: AbortSignal;
}

export type GuardFn<C, E> = (ctx: Readonly<C>, event: E) => boolean;
// biome-ignore lint/suspicious/noConfusingVoidType: an action that updates nothing may return nothing, as a plain function does
export type ActionFn<C, E> = (ctx: Readonly<C>, event: E, io: ActionIO) => Partial<C> | void | Promise<Partial<C> | void>;

/** The loose shape every generated `<M>Handlers` type satisfies. */
export interface HandlersShape {
  readonly guards: { readonly [name: string]: (ctx: never, event: never) => boolean };
  readonly actions: { readonly [name: string]: (ctx: never, event: never, io: ActionIO) => unknown };
}

/**
 * A compiled machine. The type parameters are phantom: they carry the generated types
 * (state, event, context, start context, handlers) to `FlowRuntime.register`.
 */
export interface MachineDefinition<
  S extends string = string,
  E extends { readonly type: string } = { readonly type: string },
  C extends object = Record<string, unknown>,
  SC extends object = Record<string, unknown>,
  H extends HandlersShape = HandlersShape,
> {
  readonly name: string;
  /** `version N` of the spec (1 when absent). */
  readonly version: number;
  readonly initial: S;
  readonly finals: readonly S[];
  readonly states: { readonly [K in S]: StateData<S> };
  /** Machine-level `on` clauses: event type → clauses, tried after the state's own. */
  readonly on: { readonly [eventType: string]: readonly ClauseData<S>[] };
  readonly deadline?: DeadlineData<S>;
  /** Context defaults from the spec, applied under the start context. */
  readonly contextDefaults: { readonly [field: string]: unknown };
  readonly schemas: {
    /** Event type → JSON Schema of the whole event object (including `type`). */
    readonly events: { readonly [eventType: string]: JsonSchema };
    readonly startContext: JsonSchema;
  };
  /** Guard and action names used anywhere in the machine, sorted. */
  readonly guards: readonly string[];
  readonly actions: readonly string[];
  /**
   * How flows of older versions move to this one when they are next taken (`migrate from N { … }`):
   * each old state named maps to a state of this version; an old state of the same name as one of
   * this version's maps to it unless named; flows in any other old state finish on their old version.
   */
  readonly migrations?: readonly MigrationData<S>[];
  /**
   * Content hash of the definition (`definitionHash`: the first 16 hex digits of SHA-256 over its RFC 8785
   * canonical JSON, without this field): two definitions with one version and different hashes differ.
   */
  readonly hash?: string;
  /** Phantom carrier of the generated types; never set at run time. */
  readonly __types?: { state: S; event: E; context: C; startContext: SC; handlers: H };
}

// biome-ignore-start lint/suspicious/noExplicitAny: a conditional type infers one parameter and must accept every other
export type StateOf<D> = D extends MachineDefinition<infer S, any, any, any, any> ? S : never;
export type EventOf<D> = D extends MachineDefinition<any, infer E, any, any, any> ? E : never;
export type ContextOf<D> = D extends MachineDefinition<any, any, infer C, any, any> ? C : never;
export type StartContextOf<D> = D extends MachineDefinition<any, any, any, infer SC, any> ? SC : never;
export type HandlersOf<D> = D extends MachineDefinition<any, any, any, any, infer H> ? H : never;
// biome-ignore-end lint/suspicious/noExplicitAny: a conditional type infers one parameter and must accept every other
