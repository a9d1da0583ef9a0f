// The typed client `runtime.register` returns: start, send and read flows of one machine.
import type { ContextOf, EventOf, HandlersShape, MachineDefinition, StartContextOf, StateOf } from "./definition.js";

/** Any generated machine definition. */
export type AnyMachineDefinition = MachineDefinition<string, { readonly type: string }, object, object, HandlersShape>;

export interface SendOptions {
  /** Makes the call idempotent: a retry with the same id is acknowledged without enqueueing again. */
  eventId?: string;
}

export interface FlowSnapshot<S extends string = string, C = Record<string, unknown>> {
  machine: string;
  flowId: string;
  state: S;
  context: C;
  /** Events committed with an effect. */
  version: number;
  status: "active" | "ended";
  /** Redis TIME in ms. */
  created: number;
  updated: number;
  /** `version N` of the machine that started the flow. */
  machineVersion: number;
}

/** What the client needs from its runtime. */
export interface FlowGateway {
  start(machine: string, flowId: string, context: unknown, options: SendOptions): Promise<void>;
  send(machine: string, flowId: string, event: unknown, options: SendOptions): Promise<void>;
  get(machine: string, flowId: string): Promise<FlowSnapshot | undefined>;
}

/** The options of a call that gives none: shared, so a send without options allocates nothing for them. */
const NO_OPTIONS: SendOptions = Object.freeze({});

export class FlowClient<D extends AnyMachineDefinition> {
  constructor(
    private readonly gateway: FlowGateway,
    readonly definition: D,
  ) {}

  /** Creates the flow in its initial state; resolves once its start event is durably queued. */
  start(flowId: string, context: StartContextOf<D>, options: SendOptions = NO_OPTIONS): Promise<void> {
    return this.gateway.start(this.definition.name, flowId, context, options);
  }

  /** Resolves once the event is durably in the flow's queue: await it before sending the flow's next event. */
  send(flowId: string, event: EventOf<D>, options: SendOptions = NO_OPTIONS): Promise<void> {
    return this.gateway.send(this.definition.name, flowId, event, options);
  }

  /** The flow as last committed; undefined when it never existed or expired after it ended. */
  async get(flowId: string): Promise<FlowSnapshot<StateOf<D>, ContextOf<D>> | undefined> {
    return (await this.gateway.get(this.definition.name, flowId)) as FlowSnapshot<StateOf<D>, ContextOf<D>> | undefined;
  }
}
