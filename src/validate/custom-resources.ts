import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/*
 * Custom resources (Gateway API, External Secrets, Sealed Secrets, ...) are validated against
 * their CRDs' own openAPIV3Schema, as the API server does: the structural schema (types, formats,
 * patterns, enums, limits), required fields, and unknown fields (which the API server prunes, or
 * refuses under strict field validation). The schemas are vendored into schema/crds/ by
 * scripts/vendor-crds.mjs (with the upstream repository, tag, commit and sha256 they came from)
 * and compiled with ajv only when an overlay has that kind, so start-up does not pay.
 *
 * Not checked: the CRDs' CEL rules (x-kubernetes-validations). Where one matters for what this
 * project writes, the spec validator mirrors it (e.g. httpRouteProblems).
 *
 * To add a kind: vendor its CRD (one entry below, then `npm run crds`).
 */

/** One custom resource kind this project renders. */
export interface CustomResourceKind {
  /** `group/version`, e.g. `gateway.networking.k8s.io/v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The CRD in the shared CRD collection (`<project>/<file>`), that scripts/vendor-crds.mjs reads. */
  readonly crd: string;
  /**
   * The Secret an object of this kind makes in its namespace (for the `references` policy), or
   * undefined when it makes none.
   */
  readonly providesSecret?: (object: Readonly<Record<string, unknown>>) => string | undefined;
}

/** The custom resources argusai-kustomize validates, keyed by apiVersion and kind. */
export const CUSTOM_RESOURCES: readonly CustomResourceKind[] = [
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", crd: "gateway-api/gateway.networking.k8s.io_httproutes.yaml" },
  {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    crd: "external-secrets/external-secrets.io_externalsecrets.yaml",
    // The operator writes spec.target.name (default: the ExternalSecret's name), unless told to
    // merge into a Secret that must exist already ("Merge") or to create nothing ("None").
    providesSecret: (object) => {
      const target = (object["spec"] as { target?: { name?: unknown; creationPolicy?: unknown } } | undefined)?.target;
      if (target?.creationPolicy === "Merge" || target?.creationPolicy === "None") return undefined;
      return typeof target?.name === "string" ? target.name : nameOf(object);
    },
  },
  {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    crd: "sealed-secrets/bitnami.com_sealedsecrets.yaml",
    // The controller names the Secret after the SealedSecret (Unseal sets it), whatever the template says.
    providesSecret: (object) => nameOf(object),
  },
];

/** The registry entry of an object's kind, if it is a custom resource this project knows. */
export function customResourceKind(apiVersion: string, kind: string): CustomResourceKind | undefined {
  return CUSTOM_RESOURCES.find((entry) => entry.apiVersion === apiVersion && entry.kind === kind);
}

/** The vendored schema's file name under schema/crds/: `<group>_<version>_<kind>.json`. */
export function crdSchemaFile(entry: Pick<CustomResourceKind, "apiVersion" | "kind">): string {
  return `${entry.apiVersion.replace("/", "_")}_${entry.kind}.json`;
}

/** Secrets the rendered custom resources make (an ExternalSecret's target, a SealedSecret's name). */
export function secretsProvidedBy(objects: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  return objects.flatMap((object) => {
    const name = customResourceKind(String(object["apiVersion"] ?? ""), String(object["kind"] ?? ""))?.providesSecret?.(object);
    return name !== undefined && name !== "" ? [name] : [];
  });
}

/** What schema/crds/<file> holds. */
export interface VendoredCrd {
  readonly source: { readonly repository: string; readonly path: string; readonly tag: string; readonly commit: string; readonly sha256: string; readonly license: string };
  readonly apiVersion: string;
  readonly kind: string;
  /** The served version's openAPIV3Schema, without its descriptions. */
  readonly openAPIV3Schema: Record<string, unknown>;
}

/** An ajv-style error, as kubernetes-models' validators throw them. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Throws an error with ajv-style `errors` for an invalid object, like kubernetes-models' validators. */
export type CustomResourceValidator = (data: unknown) => boolean;

const validators = new Map<string, Promise<CustomResourceValidator>>();

/**
 * The validator of a custom resource kind, compiled on first use; undefined for a kind not in
 * {@link CUSTOM_RESOURCES}.
 */
export function customResourceValidator(apiVersion: string, kind: string): Promise<CustomResourceValidator> | undefined {
  const entry = customResourceKind(apiVersion, kind);
  if (entry === undefined) return undefined;
  const key = `${apiVersion}/${kind}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    validator = compile(entry);
    validators.set(key, validator);
  }
  return validator;
}

/** The vendored CRD schema of a kind, read from the package's schema/crds/. */
export async function readVendoredCrd(entry: Pick<CustomResourceKind, "apiVersion" | "kind">): Promise<VendoredCrd> {
  return JSON.parse(await readFile(path.join(crdDirectory(), crdSchemaFile(entry)), "utf8")) as VendoredCrd;
}

/**
 * schema/crds/ of this package: found upwards from this module, which lives in src/validate/,
 * dist/validate/ or a chunk of the bundled bin (dist/bin/chunks/).
 */
function crdDirectory(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "schema", "crds");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error("schema/crds/ is missing from the argusai-kustomize package");
  }
}

async function compile(entry: CustomResourceKind): Promise<CustomResourceValidator> {
  const [{ default: ajvModule }, { formats }, { ObjectMeta }, vendored] = await Promise.all([
    import("ajv"),
    import("@kubernetes-models/validate"),
    import("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta"),
    readVendoredCrd(entry),
  ]);
  // ajv is CommonJS: Node's import gives its module.exports, which carries the class as `default`.
  const Ajv = ajvModule.default;
  // The CRDs' patterns are Go (RE2) regular expressions: compiled without the "u" flag, whose
  // stricter escapes RE2 does not have. Union types come from x-kubernetes-int-or-string.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true, unicodeRegExp: false, formats, validateFormats: true });
  const validate = ajv.compile(structuralToJsonSchema(vendored.openAPIV3Schema));
  return (data: unknown): boolean => {
    const errors: SchemaError[] = [];
    // metadata is the API server's ObjectMeta (the CRD says only "type: object"): checked with the
    // same Kubernetes schema as every built-in kind's.
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
    if (validate(data) !== true) errors.push(...(validate.errors ?? []).map(asUnknownField));
    if (errors.length === 0) return true;
    throw Object.assign(new Error(`${entry.kind} does not match its CRD schema`), { errors });
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

/** Keywords of Kubernetes' structural schemas that are not JSON Schema validation keywords. */
const KUBERNETES_ONLY = new Set(["description", "default", "example", "externalDocs", "nullable"]);

/**
 * A CRD's structural openAPIV3Schema as the JSON Schema ajv checks, with Kubernetes' rules made
 * explicit: a field the schema does not declare is unknown (pruned) unless the node says
 * x-kubernetes-preserve-unknown-fields; `nullable` admits null; x-kubernetes-int-or-string admits
 * both. The root's metadata is left to ObjectMeta's schema. Value-only branches (allOf, anyOf,
 * oneOf, not) never declare fields in a structural schema, so they get no unknown-field rule.
 */
export function structuralToJsonSchema(node: Record<string, unknown>, at: { root?: boolean; branch?: boolean } = { root: true }): Record<string, unknown> {
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
      out[key] = (value as Array<Record<string, unknown>>).map((branch) => structuralToJsonSchema(branch, { branch: true }));
    } else {
      out[key] = value;
    }
  }
  if (node["x-kubernetes-int-or-string"] === true) out["type"] = ["integer", "string"];
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

function nameOf(object: Readonly<Record<string, unknown>>): string | undefined {
  const name = (object["metadata"] as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : undefined;
}
