import type { VendoredCrd } from "./custom-resources.js";

/*
 * A custom resource against its CRD's structural openAPIV3Schema, as the API server checks it:
 * - the schema's types, formats, patterns, enums, limits and required fields (ajv, over the schema
 *   made explicit by structuralToJsonSchema), with the patterns read as Go (RE2) patterns;
 * - unknown fields, which the API server prunes (or refuses under strict field validation) and
 *   kustomize lets through;
 * - list types: the items of an `x-kubernetes-list-type: set` are distinct, those of a `map`
 *   distinct by their `x-kubernetes-list-map-keys`;
 * - metadata, by the API server's ObjectMeta schema (the CRD says only "type: object").
 *
 * Not checked: the CRDs' CEL rules (x-kubernetes-validations). Where one matters for what this
 * project writes, the spec validator mirrors it (e.g. httpRouteProblems).
 */

/** An ajv-style error, as kubernetes-models' validators throw them. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * A Go (RE2) pattern as a JavaScript RegExp. Compiled without the "u" flag, whose stricter escapes
 * RE2 does not have; a leading `(?i)` (after `^` or not), which prometheus-operator's CRDs use and
 * JavaScript lacks, becomes the "i" flag.
 */
export function goRegExp(pattern: string): RegExp {
  const flag = /^(\^?)\(\?i\)/.exec(pattern);
  return flag !== null ? new RegExp(flag[1]! + pattern.slice(flag[0].length), "i") : new RegExp(pattern);
}
// ajv asks for the source of a regExp engine (for standalone code, which is not used here).
goRegExp.code = "(pattern) => new RegExp(pattern)";

/** The validator of one vendored CRD: throws with ajv-style `errors` for an invalid object. */
export async function crdValidator(vendored: VendoredCrd): Promise<(data: unknown) => boolean> {
  const [{ default: ajvModule }, { formats }, { ObjectMeta }] = await Promise.all([
    import("ajv"),
    import("@kubernetes-models/validate"),
    import("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta"),
  ]);
  // ajv is CommonJS: Node's import gives its module.exports, which carries the class as `default`.
  const Ajv = ajvModule.default;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true, code: { regExp: goRegExp }, formats, validateFormats: true });
  const validate = ajv.compile(structuralToJsonSchema(vendored.openAPIV3Schema));
  return (data: unknown): boolean => {
    const errors: SchemaError[] = [];
    const metadata = (data as { metadata?: unknown } | null)?.metadata;
    if (metadata !== undefined) {
      try {
        ObjectMeta.prototype.validate.call(metadata);
      } catch (error) {
        const nested = (error as { errors?: SchemaError[] }).errors;
        if (!Array.isArray(nested)) throw error;
        errors.push(...nested.map((nestedError) => ({ ...nestedError, instancePath: `/metadata${nestedError.instancePath}` })));
      }
    }
    if (validate(data) !== true) errors.push(...(validate.errors ?? []).map(asUnknownField).map(asIntOrString));
    listTypeClashes(vendored.openAPIV3Schema, data, "", errors);
    if (errors.length === 0) return true;
    throw Object.assign(new Error(`${vendored.kind} does not match its CRD schema`), { errors });
  };
}

/** ajv's "must NOT have additional properties" on the parent, as an unknown field at its own path. */
function asUnknownField(error: SchemaError): SchemaError {
  const property = error.params?.["additionalProperty"];
  if (error.keyword !== "additionalProperties" || typeof property !== "string") return error;
  return {
    ...error,
    instancePath: `${error.instancePath}/${property.replaceAll("~", "~0").replaceAll("/", "~1")}`,
    message: "is not a field of the CRD's schema (the API server drops it, or refuses it under strict field validation)",
  };
}

/** A type error of several types (int-or-string) reads "must be integer or string". */
function asIntOrString(error: SchemaError): SchemaError {
  const type = error.params?.["type"];
  return error.keyword === "type" && Array.isArray(type) ? { ...error, message: `must be ${type.join(" or ")}` } : error;
}

/** A structural schema node, as far as the list-type check reads it. */
interface ListNode {
  readonly properties?: Readonly<Record<string, ListNode>>;
  readonly additionalProperties?: ListNode | boolean;
  readonly items?: ListNode;
  readonly "x-kubernetes-list-type"?: string;
  readonly "x-kubernetes-list-map-keys"?: readonly string[];
}

/** Items of a set or map list that repeat an earlier item (by value, or by the map's keys), walking schema and object together. */
function listTypeClashes(node: ListNode, value: unknown, pointer: string, errors: SchemaError[]): void {
  if (Array.isArray(value)) {
    const type = node["x-kubernetes-list-type"];
    if (type === "set" || type === "map") {
      const keys = node["x-kubernetes-list-map-keys"] ?? [];
      const seen = new Map<string, number>();
      value.forEach((item, index) => {
        const identity = type === "set" ? JSON.stringify(item) : JSON.stringify(keys.map((key) => (item as Record<string, unknown> | null)?.[key] ?? null));
        const first = seen.get(identity);
        if (first === undefined) seen.set(identity, index);
        else {
          const what = type === "set" ? "the same value" : `the same ${keys.join(", ")}`;
          errors.push({
            instancePath: `${pointer}/${index}`,
            keyword: "x-kubernetes-list-type",
            message: `has ${what} as item ${first} (a list of type ${type} takes each once)`,
          });
        }
      });
    }
    const items = node.items;
    if (items !== undefined) {
      value.forEach((item, index) => {
        listTypeClashes(items, item, `${pointer}/${index}`, errors);
      });
    }
    return;
  }
  if (typeof value !== "object" || value === null) return;
  // Only declared fields are read (and a map's keys enumerated), as ajv does: schema.ts's
  // unknown-field probe watches which keys a validator reads.
  const fields: Array<[string, ListNode]> =
    typeof node.additionalProperties === "object"
      ? Object.keys(value).map((key) => [key, node.additionalProperties as ListNode])
      : Object.entries(node.properties ?? {});
  for (const [key, schema] of fields) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) listTypeClashes(schema, child, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, errors);
  }
}

/** Keywords of Kubernetes' structural schemas that are not JSON Schema validation keywords. */
const KUBERNETES_ONLY = new Set(["description", "default", "example", "externalDocs", "nullable"]);

/** An int-or-string's own alternatives (`anyOf: [{type: integer}, {type: string}]`), which its union type says already. */
const isIntOrStringBranches = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.length === 2 &&
  value.every((branch) => Object.keys(branch as object).length === 1 && ["integer", "string"].includes((branch as { type?: string }).type ?? ""));

/**
 * A CRD's structural openAPIV3Schema as the JSON Schema ajv checks, with Kubernetes' rules made
 * explicit: a field the schema does not declare is unknown (pruned) unless the node says
 * x-kubernetes-preserve-unknown-fields; `nullable` admits null; x-kubernetes-int-or-string admits
 * both. The root's metadata is left to ObjectMeta's schema. Value-only branches (allOf, anyOf,
 * oneOf, not) never declare fields in a structural schema, so they get no unknown-field rule.
 */
export function structuralToJsonSchema(node: Record<string, unknown>, at: { root?: boolean; branch?: boolean } = { root: true }): Record<string, unknown> {
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (KUBERNETES_ONLY.has(key) || key.startsWith("x-kubernetes-")) continue;
    if (key === "properties") {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Record<string, unknown>>).map(([name, child]) => [
          name,
          at.root === true && name === "metadata" ? { type: "object" } : structuralToJsonSchema(child, {}),
        ]),
      );
    } else if (key === "items" || key === "additionalProperties" || key === "not") {
      out[key] = typeof value === "object" && value !== null ? structuralToJsonSchema(value as Record<string, unknown>, { branch: key === "not" }) : value;
    } else if (key === "allOf" || key === "anyOf" || key === "oneOf") {
      if (intOrString && isIntOrStringBranches(value)) continue;
      out[key] = (value as Array<Record<string, unknown>>).map((branch) => structuralToJsonSchema(branch, { branch: true }));
    } else {
      out[key] = value;
    }
  }
  if (intOrString) out["type"] = ["integer", "string"];
  if (node["nullable"] === true && typeof out["type"] === "string") out["type"] = [out["type"], "null"];
  const isObject = out["type"] === "object" || (Array.isArray(out["type"]) && out["type"].includes("object"));
  if (isObject && at.branch !== true) {
    if (node["x-kubernetes-preserve-unknown-fields"] === true) {
      // Unknown fields are kept here. A (vacuous) rule over the keys makes the validator visit
      // them, so the unknown-field check of schema.ts sees them as read.
      if (out["additionalProperties"] === undefined) out["propertyNames"] = { type: "string" };
    } else if (out["additionalProperties"] === undefined) {
      out["additionalProperties"] = false;
    }
  }
  return out;
}
