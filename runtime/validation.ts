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
  /** Context field → its schema's check; and the fields a context must always have (required or defaulted). */
  private readonly fields = new Map<string, ValidateFunction>();
  private readonly alwaysPresent: Set<string>;
  private readonly closed: boolean;

  constructor(private readonly definition: MachineDefinition) {
    // One Ajv per machine keeps schema ids of different machines apart.
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [type, schema] of Object.entries(definition.schemas.events)) this.events.set(type, ajv.compile(schema));
    this.startContext = ajv.compile(definition.schemas.startContext);
    const context = definition.schemas.startContext as { properties?: Record<string, object>; required?: readonly string[]; additionalProperties?: unknown };
    for (const [field, schema] of Object.entries(context.properties ?? {})) this.fields.set(field, ajv.compile(schema));
    // Generated schemas close the context (additionalProperties: false); an open one allows any other field.
    this.closed = context.additionalProperties === false;
    // The start fills the defaulted fields in, so from then on they are as required as the required ones.
    this.alwaysPresent = new Set([...(context.required ?? []), ...Object.keys(definition.contextDefaults)]);
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
   * What is wrong with an action's update to a valid context, or undefined. The context it lands on
   * was checked when it was stored, so only the fields the update sets are checked (its cost does not
   * grow with the context): each must be a declared field, plain JSON and of its declared type; a
   * field set to `undefined` is removed, which a required or defaulted field cannot be. The schema is
   * the start context's, with defaulted fields required too, so definitions compiled before there was
   * a context schema are checked the same way.
   */
  updateProblem(update: Readonly<Record<string, unknown>>): SchemaProblem | undefined {
    for (const field of Object.keys(update)) {
      const value = update[field];
      if (value === undefined) {
        if (this.alwaysPresent.has(field))
          return { field, rule: "required", text: `${where(field)} is required (undefined removes a field, and only an optional one may be removed)` };
        continue;
      }
      const validate = this.fields.get(field);
      if (!validate && this.closed) return { field, rule: "additionalProperties", text: `${where(field)} is not a declared field` };
      const found = jsonProblem(value, field) ?? (!validate || validate(value) ? undefined : schemaProblem(validate.errors ?? [], field));
      if (found) return found;
    }
    return undefined;
  }
}

function where(field: string): string {
  return field === "" ? "payload" : `field '${field}'`;
}

function jsonProblem(value: unknown, under = ""): SchemaProblem | undefined {
  const found = jsonFormProblem(value, under);
  return found && { field: found.field, rule: found.rule, text: `${where(found.field)} ${found.detail}` };
}

function refuse(subject: string, found: SchemaProblem | undefined): void {
  if (found) throw new PayloadError(`${subject}: ${found.text}`, found.field, found.rule);
}

/** Renders ajv's first error as `field 'x' <rule>`; `under` is the field the validated value sits at. */
function schemaProblem(errors: readonly ErrorObject[], under = ""): SchemaProblem {
  const error = errors[0];
  if (!error) return { field: under, rule: "unknown", text: `${where(under)} is invalid` };
  const path = [
    ...(under === "" ? [] : [under]),
    ...error.instancePath
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~")),
  ];
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
