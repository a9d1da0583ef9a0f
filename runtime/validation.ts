// Validates events and start contexts against a machine's generated JSON Schemas (ajv), compiled once per machine.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

import type { MachineDefinition } from "./definition.js";
import { PayloadError, UnknownEventError } from "./errors.js";
import { jsonFormProblem } from "./json-form.js";

/** Why a value was refused: the field as a dotted path ("" for the whole value), the rule, and a sentence naming both. */
export interface SchemaProblem {
  field: string;
  rule: string;
  /** `field 'x' must be integer`, `payload must be object`, … */
  text: string;
}

export class PayloadValidator {
  private readonly events = new Map<string, ValidateFunction>();
  private readonly startContext: ValidateFunction;
  private readonly context: ValidateFunction;

  constructor(private readonly definition: MachineDefinition) {
    // One Ajv per machine keeps schema ids of different machines apart.
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [type, schema] of Object.entries(definition.schemas.events)) this.events.set(type, ajv.compile(schema));
    this.startContext = ajv.compile(definition.schemas.startContext);
    this.context = ajv.compile(contextSchema(definition));
  }

  /** Throws UnknownEventError or PayloadError; returns normally when the event may be enqueued as its JSON. */
  checkEvent(event: unknown): void {
    const type = typeof event === "object" && event !== null ? (event as { type?: unknown }).type : undefined;
    if (typeof type !== "string") throw new PayloadError(`event: field 'type' must be a string naming one of the machine's events`, "type", "type");
    const validate = this.events.get(type);
    if (!validate) throw new UnknownEventError(this.definition.name, type);
    refuse(`event ${type}`, jsonProblem(event) ?? (validate(event) ? undefined : schemaProblem(validate.errors ?? [])));
  }

  checkStartContext(context: unknown): void {
    const validate = this.startContext;
    refuse(`start context of ${this.definition.name}`, jsonProblem(context) ?? (validate(context) ? undefined : schemaProblem(validate.errors ?? [])));
  }

  /**
   * What is wrong with a whole flow context (as an action left it), or undefined: plain JSON, and
   * the machine's context schema — every declared field of the right type, required and defaulted
   * fields present, no undeclared field.
   */
  contextProblem(context: unknown): SchemaProblem | undefined {
    return jsonProblem(context) ?? (this.context(context) ? undefined : schemaProblem(this.context.errors ?? []));
  }
}

/**
 * The schema of a flow's context: the start context's, with the defaulted fields required too (the
 * start fills them in). Optional (`?`) fields may be absent. Derived here, so definitions compiled
 * before there was a context schema are checked the same way.
 */
function contextSchema(definition: MachineDefinition): Record<string, unknown> {
  const start = definition.schemas.startContext as { required?: readonly string[] };
  const required = new Set([...(start.required ?? []), ...Object.keys(definition.contextDefaults)]);
  return { ...definition.schemas.startContext, required: [...required] };
}

function where(field: string): string {
  return field === "" ? "payload" : `field '${field}'`;
}

function jsonProblem(value: unknown): SchemaProblem | undefined {
  const found = jsonFormProblem(value);
  return found && { field: found.field, rule: found.rule, text: `${where(found.field)} ${found.detail}` };
}

function refuse(subject: string, found: SchemaProblem | undefined): void {
  if (found) throw new PayloadError(`${subject}: ${found.text}`, found.field, found.rule);
}

/** Renders ajv's first error as `field 'x' <rule>`. */
function schemaProblem(errors: readonly ErrorObject[]): SchemaProblem {
  const error = errors[0];
  if (!error) return { field: "", rule: "unknown", text: "payload is invalid" };
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
  return { field, rule: error.keyword, text: `${where(field)} ${rule}` };
}
