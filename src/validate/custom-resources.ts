import type { StructuralValidator } from "./crds/structural.js";

/*
 * The custom resources the package renders, keyed by `apiVersion/kind`, each with a validator
 * against its CRD's own OpenAPI schema. A group's validators are loaded on first use (the schemas
 * are large): the CLI bundle keeps them in chunks of their own.
 */

/** A custom resource's validator: the same shape for every CRD. */
export type CustomResourceValidator = StructuralValidator;

/** Loaders by API group; each resolves to the validators of the kinds it vendors. */
const GROUPS: Readonly<Record<string, () => Promise<readonly CustomResourceValidator[]>>> = {
  "monitoring.coreos.com": () => import("./crds/monitoring.js").then((module) => module.MONITORING_VALIDATORS),
};

/** Every apiVersion/kind with a validator, as the registry's keys (filled by {@link customResourceValidator}). */
const registry = new Map<string, Promise<CustomResourceValidator | undefined>>();

/**
 * The validator of a custom resource, or `undefined` for a kind no vendored CRD describes.
 *
 * @example
 * const validator = await customResourceValidator("monitoring.coreos.com/v1", "ServiceMonitor");
 * validator?.violations(object); // []
 */
export function customResourceValidator(apiVersion: string, kind: string): Promise<CustomResourceValidator | undefined> {
  const key = `${apiVersion}/${kind}`;
  let found = registry.get(key);
  if (found === undefined) {
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    const load = GROUPS[group];
    found = load === undefined ? Promise.resolve(undefined) : load().then((validators) => validators.find((validator) => validator.apiVersion === apiVersion && validator.kind === kind));
    registry.set(key, found);
  }
  return found;
}

/** The API groups with vendored CRDs. */
export const CUSTOM_RESOURCE_GROUPS: readonly string[] = Object.keys(GROUPS);
