import type { Violation } from "./violation.js";

/** A kubernetes-models validator: throws with ajv-style `errors` on an invalid object. */
type ValidateFunction = (data: unknown) => boolean;

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** A kubernetes-models class; its constructor's own type is checked at run time by validate(). */
interface ModelClass {
  new (data: never): { validate(): void };
}

const validators = new Map<string, Promise<ValidateFunction | undefined>>();

/**
 * The kinds argusai-kustomize renders, each with a static import so a bundler can split them into
 * chunks loaded on demand; any other kind is imported by name.
 */
const KNOWN_MODELS: Readonly<Record<string, () => Promise<object>>> = {
  "apps/v1/Deployment": () => import("kubernetes-models/apps/v1/Deployment"),
  "v1/Service": () => import("kubernetes-models/v1/Service"),
  "v1/PersistentVolumeClaim": () => import("kubernetes-models/v1/PersistentVolumeClaim"),
  "v1/ServiceAccount": () => import("kubernetes-models/v1/ServiceAccount"),
  "v1/ConfigMap": () => import("kubernetes-models/v1/ConfigMap"),
  "v1/Secret": () => import("kubernetes-models/v1/Secret"),
  "v1/Namespace": () => import("kubernetes-models/v1/Namespace"),
  "policy/v1/PodDisruptionBudget": () => import("kubernetes-models/policy/v1/PodDisruptionBudget"),
  "networking.k8s.io/v1/Ingress": () => import("kubernetes-models/networking.k8s.io/v1/Ingress"),
};

/** The kinds whose validators are bundled. */
export const BUNDLED_KINDS = Object.keys(KNOWN_MODELS).map((key) => {
  const slash = key.lastIndexOf("/");
  return { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1) };
});

/**
 * The schema validator of a kind (kubernetes-models 4.x), imported per kind because the full index
 * takes a second to load. `undefined` for a kind kubernetes-models does not know (a CRD).
 */
export function validatorFor(apiVersion: string, kind: string): Promise<ValidateFunction | undefined> {
  const key = `${apiVersion}/${kind}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    const load = KNOWN_MODELS[key] ?? (() => import(`kubernetes-models/${apiVersion}/${kind}`) as Promise<object>);
    validator = load().then(
      (module) => {
        const Model = (module as Partial<Record<string, ModelClass>>)[kind];
        if (Model === undefined) return undefined;
        return (data: unknown) => {
          new Model(data as never).validate();
          return true;
        };
      },
      () => undefined,
    );
    validators.set(key, validator);
  }
  return validator;
}

/** Starts loading the validators of these kinds, so the imports overlap with kubectl runs. */
export function preloadValidators(kinds: ReadonlyArray<{ apiVersion: string; kind: string }>): void {
  for (const { apiVersion, kind } of kinds) void validatorFor(apiVersion, kind);
}

/**
 * Schema violations of one rendered object: every error of the Kubernetes OpenAPI schema
 * (kubernetes-models), plus every field the schema does not know, which kubernetes-models and
 * kustomize both let through (a misspelled field in a strategic-merge patch is merged silently).
 */
export async function schemaViolations(object: Record<string, unknown>): Promise<Violation[]> {
  const apiVersion = String(object["apiVersion"] ?? "");
  const kind = String(object["kind"] ?? "");
  const name = String((object["metadata"] as { name?: unknown } | undefined)?.name ?? "");
  const where = `${kind}/${name}`;
  const validate = await validatorFor(apiVersion, kind);
  if (validate === undefined) {
    return [{ policy: "schema-kind", object: where, field: "apiVersion", message: `no schema for ${apiVersion} ${kind}`, fix: "use a built-in Kubernetes kind and apiVersion" }];
  }
  const violations: Violation[] = errorsOf(validate, asApiServerReads(object)).map((error) => ({
    policy: "schema",
    object: where,
    field: pointerToField(error.instancePath),
    message: describe(error),
    fix: "give the field a value the Kubernetes API accepts",
  }));
  for (const field of unknownFields(validate, object)) {
    violations.push({
      policy: "schema-unknown-field",
      object: where,
      field,
      message: "is not a field of the Kubernetes schema (kustomize merges a misspelled field silently; the API server drops or rejects it)",
      fix: "fix the spelling, or remove the field",
    });
  }
  return violations;
}

/**
 * The object as the API server decodes it. kustomize wraps long base64 Secret values over several
 * lines; Go's base64 decoder skips line breaks, while the schema's "byte" format does not.
 */
function asApiServerReads(object: Record<string, unknown>): Record<string, unknown> {
  const data = object["data"];
  if (object["kind"] !== "Secret" || typeof data !== "object" || data === null) return object;
  const unwrapped = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === "string" ? value.replace(/[\r\n]/g, "") : value]));
  return { ...object, data: unwrapped };
}

function errorsOf(validate: ValidateFunction, data: unknown): AjvError[] {
  try {
    validate(data);
    return [];
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (Array.isArray(errors)) return dedupe(errors);
    throw error;
  }
}

/** ajv reports a failed oneOf once per branch and once for the oneOf: keep the most telling one per path. */
function dedupe(errors: AjvError[]): AjvError[] {
  const byPath = new Map<string, AjvError>();
  for (const error of errors) {
    const known = byPath.get(error.instancePath);
    if (known === undefined || (known.params?.["format"] === undefined && error.params?.["format"] !== undefined)) byPath.set(error.instancePath, error);
  }
  return [...byPath.values()];
}

/**
 * Fields the schema does not know. kubernetes-models' validators check only the properties their
 * schema declares, so a key is known exactly when replacing its value with something no schema
 * accepts (a symbol) makes the validator complain about that key. One validation per object
 * level probes all its keys at once; only known keys are descended into.
 */
function unknownFields(validate: ValidateFunction, root: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  const visit = (path: ReadonlyArray<string | number>, value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit([...path, index], item));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const keys = Object.keys(value);
    if (keys.length === 0) return;
    const probe = structuredClone(root);
    const probed = path.reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, probe as Record<string, unknown>);
    for (const key of keys) probed[key] = Symbol("probe");
    const complaints = new Set(errorsOf(validate, probe).map((error) => error.instancePath));
    for (const key of keys) {
      const keyPath = [...path, key];
      const pointer = toPointer(keyPath);
      const known = [...complaints].some((complaint) => complaint === pointer || complaint.startsWith(`${pointer}/`));
      if (known) visit(keyPath, (value as Record<string, unknown>)[key]);
      else unknown.push(pointer.slice(1).replaceAll("/", "."));
    }
  };
  visit([], root);
  return unknown;
}

function toPointer(path: ReadonlyArray<string | number>): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function pointerToField(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
}

function describe(error: AjvError): string {
  const allowed = error.params?.["allowedValues"];
  if (Array.isArray(allowed)) return `${error.message ?? "is invalid"}: ${allowed.join(", ")}`;
  if (error.params?.["format"] !== undefined) return `is not a valid ${String(error.params["format"])}`;
  if (error.params?.["missingProperty"] !== undefined) return `is missing the required field ${String(error.params["missingProperty"])}`;
  return error.message ?? "is invalid";
}
