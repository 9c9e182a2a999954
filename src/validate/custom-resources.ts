import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { record, text } from "./read-objects.js";

/*
 * Custom resources (Gateway API, External Secrets, Sealed Secrets, prometheus-operator, ...) are
 * validated against their CRDs' own openAPIV3Schema, as the API server does (crd-validator.ts).
 * The schemas are vendored into schema/crds/ by scripts/vendor-crds.mjs (with the upstream
 * repository, tag, commit and sha256 they came from), one file per kind, and each kind's validator
 * is compiled only when an overlay has that kind, so start-up does not pay.
 *
 * Not checked: the CRDs' CEL rules (x-kubernetes-validations). Where one matters for what this
 * project writes, the spec validator mirrors it (the rule http-route-distinct-sections).
 *
 * To add a kind: one entry below, then `npm run crds`.
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
   * undefined when it makes none. `object` may be malformed (a hand edit, a patch).
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
      const target = record(record(object["spec"])?.["target"]);
      if (target?.["creationPolicy"] === "Merge" || target?.["creationPolicy"] === "None") return undefined;
      return text(target?.["name"]) ?? nameOf(object);
    },
  },
  {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    crd: "sealed-secrets/bitnami.com_sealedsecrets.yaml",
    // The controller names the Secret after the SealedSecret (Unseal sets it), whatever the template says.
    providesSecret: (object) => nameOf(object),
  },
  { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", crd: "prometheus-operator/monitoring.coreos.com_servicemonitors.yaml" },
  { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", crd: "prometheus-operator/monitoring.coreos.com_prometheusrules.yaml" },
];

/** The registry entry of an object's kind, if it is a custom resource this project knows. */
export function customResourceKind(apiVersion: string, kind: string): CustomResourceKind | undefined {
  return CUSTOM_RESOURCES.find((entry) => entry.apiVersion === apiVersion && entry.kind === kind);
}

/** The vendored schema's file name under schema/crds/: `<group>_<version>_<kind>.json`. */
export function crdSchemaFile(entry: Pick<CustomResourceKind, "apiVersion" | "kind">): string {
  return `${entry.apiVersion.replace("/", "_")}_${entry.kind}.json`;
}

/** Secrets the rendered custom resources make (an ExternalSecret's target, a SealedSecret's name); never throws on odd objects. */
export function secretsProvidedBy(objects: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  return objects.flatMap((object) => {
    // Rendered objects may hold anything where a field belongs: a kind that is not a string is no
    // custom resource of ours (the schema reports it), never a throw.
    const resource = record(object);
    if (resource === undefined) return [];
    const name = customResourceKind(text(resource["apiVersion"]) ?? "", text(resource["kind"]) ?? "")?.providesSecret?.(resource);
    return name !== undefined && name !== "" ? [name] : [];
  });
}

/** What schema/crds/<file> holds. */
export interface VendoredCrd {
  readonly source: {
    readonly repository: string;
    readonly path: string;
    readonly tag: string;
    readonly commit: string;
    readonly sha256: string;
    readonly license: string;
  };
  readonly apiVersion: string;
  readonly kind: string;
  /** The served version's openAPIV3Schema, without its descriptions. */
  readonly openAPIV3Schema: Record<string, unknown>;
}

/**
 * A schema without its descriptions (nothing validates with them): a `description` whose value is
 * text. A field named `description` (a key of `properties`, whose value is a schema) is kept.
 */
export function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "description" && typeof value === "string"))
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
}

/** Throws an error with ajv-style `errors` for an invalid object, like kubernetes-models' validators. */
export type CustomResourceValidator = (data: unknown) => boolean;

const validators = new Map<string, Promise<CustomResourceValidator>>();

/**
 * The validator of a custom resource kind, compiled on first use; undefined for a kind not in
 * {@link CUSTOM_RESOURCES}.
 *
 * @example
 * const validate = await customResourceValidator("monitoring.coreos.com/v1", "ServiceMonitor");
 * validate?.(object); // true, or throws with ajv-style `errors`
 */
export function customResourceValidator(apiVersion: string, kind: string): Promise<CustomResourceValidator> | undefined {
  const entry = customResourceKind(apiVersion, kind);
  if (entry === undefined) return undefined;
  const key = `${apiVersion}/${kind}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    // The compiler (ajv, the ObjectMeta model) is imported with the first custom resource only.
    validator = Promise.all([import("./crd-validator.js"), readVendoredCrd(entry)]).then(([{ crdValidator }, vendored]) => crdValidator(vendored));
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

function nameOf(object: Readonly<Record<string, unknown>>): string | undefined {
  return text(record(object["metadata"])?.["name"]);
}
