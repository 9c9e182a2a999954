import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Violation } from "../violation.js";

/*
 * Validation of a custom resource against its CRD's structural OpenAPI v3 schema, as the API
 * server does it: the schema's types, patterns, enums, required fields and formats (ajv), the
 * list types (`x-kubernetes-list-type: set | map` items must be unique, by their keys for a map),
 * and unknown fields, which the API server prunes silently (or rejects, with field validation
 * Strict) and kustomize lets through: every field must be declared by `properties`, be a key of an
 * `additionalProperties` map, or sit under `x-kubernetes-preserve-unknown-fields`.
 * `metadata` is checked by the API server's own ObjectMeta rules, not the CRD: here only its shape.
 */

/** A structural schema node (the subset of OpenAPI v3 a CRD may use). */
interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  readonly "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  readonly "x-kubernetes-list-map-keys"?: readonly string[];
}

/**
 * Go's regexp syntax (RE2) as a JavaScript RegExp: CRD patterns are Go patterns. The one construct
 * these CRDs use that JavaScript lacks is a leading `(?i)` (case-insensitive), after `^` or not.
 */
function goRegExp(pattern: string): RegExp {
  const flag = /^(\^?)\(\?i\)/.exec(pattern);
  return flag !== null ? new RegExp(flag[1]! + pattern.slice(flag[0].length), "i") : new RegExp(pattern);
}
goRegExp.code = "(pattern) => new RegExp(pattern)";

/** The OpenAPI formats Kubernetes validates (k8s.io/kube-openapi's strfmt); others are free text. */
const FORMATS = {
  int32: { type: "number", validate: (value: number) => Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647 },
  int64: { type: "number", validate: (value: number) => Number.isInteger(value) },
  float: true,
  double: true,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
} as const;

let ajv: Ajv | undefined;

function compiler(): Ajv {
  // strict: false lets the x-kubernetes-* keywords through (nullable is an ajv keyword); no
  // meta-schema check, which would read the Go patterns as JavaScript ones.
  ajv ??= new Ajv({ allErrors: true, strict: false, validateSchema: false, code: { regExp: goRegExp }, formats: FORMATS });
  return ajv;
}

/** A validator of one kind, compiled on first use. */
export interface StructuralValidator {
  readonly apiVersion: string;
  readonly kind: string;
  /** Every violation of the object: schema errors first, then unknown fields and list-key clashes. */
  violations(object: Readonly<Record<string, unknown>>): Violation[];
}

/** A validator of `apiVersion`/`kind` against its CRD's structural schema. */
export function structuralValidator(apiVersion: string, kind: string, schema: Readonly<Record<string, unknown>>): StructuralValidator {
  let validate: ValidateFunction | undefined;
  return {
    apiVersion,
    kind,
    violations(object) {
      validate ??= compiler().compile(schema);
      const where = `${kind}/${String((object["metadata"] as { name?: unknown } | undefined)?.name ?? "")}`;
      const violations: Violation[] = [];
      if (!validate(object)) {
        for (const error of dedupe(validate.errors ?? [])) {
          violations.push({ policy: "schema", object: where, field: fieldOf(error), message: describe(error), fix: `give the field a value the ${kind} CRD's schema accepts` });
        }
      }
      walk(schema as SchemaNode, object, [], (field, message, policy) =>
        violations.push({
          policy,
          object: where,
          field: field.join(".") || "(top level)",
          message,
          fix: policy === "schema-unknown-field" ? "fix the spelling, or remove the field" : "give each item of the list its own key",
        }),
      );
      return violations;
    },
  };
}

type Report = (field: ReadonlyArray<string | number>, message: string, policy: "schema-unknown-field" | "schema") => void;

/** Unknown fields and list-type clashes, walking object and schema together. */
function walk(node: SchemaNode, value: unknown, field: ReadonlyArray<string | number>, report: Report): void {
  if (node["x-kubernetes-preserve-unknown-fields"] === true) return;
  if (Array.isArray(value)) {
    if (node.items !== undefined) value.forEach((item, index) => walk(node.items!, item, [...field, index], report));
    listTypeClashes(node, value, field, report);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  // The root's metadata is ObjectMeta (the API server's, not the CRD's schema, which says only "object").
  if (field.length === 1 && field[0] === "metadata") return;
  for (const [key, child] of Object.entries(value)) {
    const declared = node.properties?.[key];
    const additional = node.additionalProperties;
    if (declared !== undefined) walk(declared, child, [...field, key], report);
    else if (typeof additional === "object") walk(additional, child, [...field, key], report);
    else if (additional !== true) {
      report([...field, key], "is not a field of the CRD's schema (kustomize passes it; the API server prunes or rejects it)", "schema-unknown-field");
    }
  }
}

function listTypeClashes(node: SchemaNode, items: readonly unknown[], field: ReadonlyArray<string | number>, report: Report): void {
  const type = node["x-kubernetes-list-type"];
  if (type !== "set" && type !== "map") return;
  const keys = node["x-kubernetes-list-map-keys"] ?? [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const identity = type === "set" ? JSON.stringify(item) : JSON.stringify(keys.map((key) => (item as Record<string, unknown> | null)?.[key] ?? null));
    const first = seen.get(identity);
    if (first !== undefined) {
      const what = type === "set" ? "the same value" : `the same ${keys.join(", ")}`;
      report([...field, index], `has ${what} as item ${first} (a list of type ${type} takes each once)`, "schema");
    } else seen.set(identity, index);
  });
}

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split("/").slice(1).map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (error.keyword === "required") path.push(String(error.params["missingProperty"]));
  return path.join(".") || "(top level)";
}

function describe(error: ErrorObject): string {
  if (error.keyword === "required") return "is required";
  if (error.keyword === "enum") return `must be one of: ${(error.params["allowedValues"] as unknown[]).join(", ")}`;
  if (error.keyword === "pattern") return `does not match the pattern ${String(error.params["pattern"])}`;
  if (error.keyword === "format") return `is not a valid ${String(error.params["format"])}`;
  return error.message ?? "is invalid";
}

/**
 * One error per field. An anyOf (int-or-string) reports each branch's type error and then itself:
 * those become one "must be integer or string".
 */
function dedupe(errors: readonly ErrorObject[]): ErrorObject[] {
  const byField = new Map<string, ErrorObject>();
  for (const error of errors) {
    const field = fieldOf(error);
    if (error.keyword === "anyOf") {
      const types = errors.filter((other) => other.keyword === "type" && fieldOf(other) === field).map((other) => String(other.params["type"]));
      if (types.length > 0) byField.set(field, { ...error, message: `must be ${types.join(" or ")}` });
    } else if (!byField.has(field)) byField.set(field, error);
  }
  return [...byField.values()];
}
