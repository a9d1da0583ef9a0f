// Validates events and start contexts against a machine's generated JSON Schemas (ajv), compiled once per machine.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

import type { MachineDefinition } from "./definition.js";
import { PayloadError, UnknownEventError } from "./errors.js";

export class PayloadValidator {
  private readonly events = new Map<string, ValidateFunction>();
  private readonly startContext: ValidateFunction;

  constructor(private readonly definition: MachineDefinition) {
    // One Ajv per machine keeps schema ids of different machines apart.
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [type, schema] of Object.entries(definition.schemas.events)) this.events.set(type, ajv.compile(schema));
    this.startContext = ajv.compile(definition.schemas.startContext);
  }

  /** Throws UnknownEventError or PayloadError; returns normally when the event may be enqueued. */
  checkEvent(event: unknown): void {
    const type = typeof event === "object" && event !== null ? (event as { type?: unknown }).type : undefined;
    if (typeof type !== "string") throw new PayloadError(`event: field 'type' must be a string naming one of the machine's events`, "type", "type");
    const validate = this.events.get(type);
    if (!validate) throw new UnknownEventError(this.definition.name, type);
    if (!validate(event)) throw payloadError(`event ${type}`, validate.errors ?? []);
  }

  checkStartContext(context: unknown): void {
    if (!this.startContext(context)) throw payloadError(`start context of ${this.definition.name}`, this.startContext.errors ?? []);
  }
}

/** Renders ajv's first error as `<subject>: field 'x' <rule>`. */
function payloadError(subject: string, errors: readonly ErrorObject[]): PayloadError {
  const error = errors[0];
  if (!error) return new PayloadError(`${subject}: invalid`, "", "unknown");
  const path = error.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const params = error.params as Record<string, unknown>;
  let field = path.join(".");
  let rule = error.message ?? error.keyword;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    field = [...path, params.missingProperty].join(".");
    rule = "is required";
  } else if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    field = [...path, params.additionalProperty].join(".");
    rule = "is not a declared field";
  } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
    rule = `${rule} (${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`;
  } else if (error.keyword === "const") {
    rule = `${rule} (${JSON.stringify(params.allowedValue)})`;
  }
  const where = field === "" ? "payload" : `field '${field}'`;
  return new PayloadError(`${subject}: ${where} ${rule}`, field, error.keyword);
}
