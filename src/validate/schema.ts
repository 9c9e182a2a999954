import { fromJsonPointer } from "../patch/path.js";
import { customResourceValidator } from "./custom-resources.js";
import type { Violation } from "./violation.js";

/** A kubernetes-models validator: throws with ajv-style `errors` on an invalid object. */
type ValidateFunction = (data: unknown) => boolean;

interface AjvError {
  readonly instancePath: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** A kubernetes-models class; its prototype's validate() checks `this` against the kind's schema. */
interface ModelClass {
  readonly prototype: { validate(this: unknown): void };
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
  "networking.k8s.io/v1/NetworkPolicy": () => import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy"),
  "autoscaling/v2/HorizontalPodAutoscaler": () => import("kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler"),
};

/**
 * The schema validator of a kind (kubernetes-models 4.x), imported per kind because the full index
 * takes a second to load. `undefined` for a kind kubernetes-models does not know (a CRD).
 */
export function validatorFor(apiVersion: string, kind: string): Promise<ValidateFunction | undefined> {
  const key = `${apiVersion}/${kind}`;
  let validator = validators.get(key);
  // A custom resource is checked against its CRD's schema (custom-resources.ts).
  validator ??= customResourceValidator(apiVersion, kind);
  if (validator === undefined) {
    const load = KNOWN_MODELS[key] ?? (() => import(`kubernetes-models/${apiVersion}/${kind}`) as Promise<object>);
    validator = load().then(
      (module) => {
        const Model = (module as Partial<Record<string, ModelClass>>)[kind];
        if (Model === undefined) return undefined;
        // validate() checks `this` as it is; calling it on the object itself skips the deep copy the
        // model's constructor makes, and lets the unknown-field probe see every property read.
        return (data: unknown) => {
          Model.prototype.validate.call(data);
          return true;
        };
      },
      () => undefined,
    );
    validators.set(key, validator);
  }
  return validator;
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
    return [
      {
        policy: "schema-kind",
        object: where,
        field: "apiVersion",
        message: `no schema for ${apiVersion} ${kind}`,
        fix: "use a built-in Kubernetes kind and apiVersion, or a custom resource this project knows (CUSTOM_RESOURCES)",
      },
    ];
  }
  const probe = probeFields(asApiServerReads(object));
  const violations: Violation[] = errorsOf(validate, probe.root).map((error) =>
    // A CRD schema names unknown fields itself (Kubernetes' own schemas never do: see probeFields).
    error.keyword === "additionalProperties"
      ? {
          policy: "schema-unknown-field",
          object: where,
          field: pointerToField(error.instancePath),
          message: describe(error),
          fix: "fix the spelling, or remove the field",
        }
      : {
          policy: "schema",
          object: where,
          field: pointerToField(error.instancePath),
          message: describe(error),
          fix: "give the field a value the Kubernetes API accepts",
        },
  );
  for (const field of probe.unknownFields()) {
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
 * Fields the schema does not know, found during the one schema validation. kubernetes-models'
 * validators (ajv, compiled) read exactly the properties their schema declares (`data.name`), and
 * enumerate the keys only of maps (`for (key in data)`). So the object is validated once, through
 * proxies that record each read: a key is known when it was read, or when its object was
 * enumerated as a map; known keys are descended into. Keys under an unknown key are not
 * reported again. (Before: a structuredClone and a full validation per object level.)
 */
function probeFields(object: Record<string, unknown>): { root: unknown; unknownFields(): string[] } {
  /** What the validator did with each object: the keys it read, or "map" when it enumerated them. */
  const seen = new Map<object, Set<PropertyKey> | "map">();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    let proxy = proxies.get(value);
    if (proxy === undefined) {
      const target = value;
      // A proxy must return a frozen object's own values unchanged: proxy a copy of it instead.
      const backing = Object.isFrozen(value) ? (Array.isArray(value) ? [...value] : { ...value }) : value;
      const read = (key: PropertyKey) => {
        const keys = seen.get(target);
        if (keys === "map") return;
        if (keys === undefined) seen.set(target, new Set([key]));
        else keys.add(key);
      };
      proxy = new Proxy(backing, {
        get(inner, key, receiver) {
          if (!Array.isArray(inner)) read(key);
          return wrap(Reflect.get(inner, key, receiver));
        },
        has(inner, key) {
          if (!Array.isArray(inner)) read(key);
          return Reflect.has(inner, key);
        },
        ownKeys(inner) {
          if (!Array.isArray(inner)) seen.set(target, "map");
          return Reflect.ownKeys(inner);
        },
      });
      proxies.set(value, proxy);
    }
    return proxy;
  };
  const unknownFields = (): string[] => {
    const unknown: string[] = [];
    const visit = (path: ReadonlyArray<string | number>, value: unknown): void => {
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          visit([...path, index], item);
        });
        return;
      }
      if (typeof value !== "object" || value === null) return;
      const keys = seen.get(value);
      for (const [key, child] of Object.entries(value)) {
        if (keys === "map" || keys?.has(key) === true) visit([...path, key], child);
        else unknown.push([...path, key].join("."));
      }
    };
    visit([], object);
    return unknown;
  };
  return { root: wrap(object), unknownFields };
}

function pointerToField(pointer: string): string {
  return fromJsonPointer(pointer).join(".");
}

function describe(error: AjvError): string {
  const allowed = error.params?.["allowedValues"];
  if (Array.isArray(allowed)) return `${error.message ?? "is invalid"}: ${allowed.join(", ")}`;
  if (error.params?.["format"] !== undefined) return `is not a valid ${String(error.params["format"])}`;
  if (error.params?.["missingProperty"] !== undefined) return `is missing the required field ${String(error.params["missingProperty"])}`;
  return error.message ?? "is invalid";
}
