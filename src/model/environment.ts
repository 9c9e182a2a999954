import { ArgusKustomizeError } from "../errors.js";
import { COMPONENTS, type Component } from "./labels.js";
import { quantityValue } from "./quantity.js";

/** An image version: a tag, or a digest (`sha256:` + 64 hex digits), never both. */
export type ImageVersion = { readonly tag: string } | { readonly digest: string };

/** CPU and memory of a container; only the keys given change the base. */
export interface ResourceSpec {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/**
 * How the `argusai-secrets` Secret (ENCRYPTION_KEY, JWT_SECRET_KEY) reaches the namespace.
 * - `generated`: a secretGenerator over `secrets.env` in the overlay, which generate creates with
 *   fresh random values, git-ignores and never overwrites. For laptops; never for production.
 * - `existing`: the Secret is created outside this tree (`kubectl create secret`, External Secrets,
 *   Sealed Secrets); the overlay only references it, so no secret value is ever committed.
 */
export type SecretSpec = { readonly mode: "generated" } | { readonly mode: "existing" };

/** An Ingress in front of both components: `/api` and `/ws` to the backend, the rest to the frontend. */
export interface IngressSpec {
  readonly host: string;
  /** Secret holding the TLS certificate for `host`; no TLS when absent. */
  readonly tlsSecretName?: string;
  /** `spec.ingressClassName`; the cluster default when absent. */
  readonly className?: string;
}

/**
 * One environment, as data: everything its overlay differs in from the base. The same shape
 * comes from TypeScript or from an environment file, and one validator checks both.
 *
 * @example
 * const staging: EnvironmentSpec = {
 *   name: "staging",
 *   namespace: "argusai-staging",
 *   images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" } },
 *   secret: { mode: "existing" },
 * };
 */
export interface EnvironmentSpec {
  /** Overlay directory name (`overlays/<name>`): a DNS-1123 label. */
  readonly name: string;
  /** Namespace of every object of the overlay: a DNS-1123 label. */
  readonly namespace: string;
  /**
   * A production environment must pin images and must not generate its Secret.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Write a Namespace object (labelled to enforce the restricted Pod Security Standard).
   * @default true
   */
  readonly createNamespace?: boolean;
  /** Image version per component; the base's `latest` when absent. */
  readonly images?: { readonly [C in Component]?: ImageVersion };
  /** Replicas per component. The backend is a single SQLite writer: at most 1. */
  readonly replicas?: { readonly [C in Component]?: number };
  /** Requests and limits per component, merged key by key over the base's. */
  readonly resources?: { readonly [C in Component]?: ResourceSpec };
  /** Values merged into the `argusai-config` ConfigMap. */
  readonly config?: Readonly<Record<string, string>>;
  /** How the Secret is provided. */
  readonly secret: SecretSpec;
  /** An Ingress; none when absent. */
  readonly ingress?: IngressSpec;
  /** The data volume's StorageClass (the cluster default when absent) and size (base: 10Gi). */
  readonly storage?: { readonly className?: string; readonly size?: string };
  /** A PodDisruptionBudget per component, with its `minAvailable`. */
  readonly disruptionBudgets?: { readonly [C in Component]?: { readonly minAvailable: number } };
}

/** One problem of a spec: the field (dotted path) and what is wrong with it. */
export interface SpecProblem {
  readonly field: string;
  readonly message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Every problem of a spec, in field order; empty when the spec is valid. Never throws.
 *
 * @example
 * checkEnvironment({ ...prod, replicas: { backend: 2 } });
 * // [{ field: "replicas.backend", message: "must be 0 or 1: ..." }]
 */
export function checkEnvironment(spec: EnvironmentSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });

  checkDnsLabel(problem, "name", spec.name);
  checkDnsLabel(problem, "namespace", spec.namespace);

  for (const component of COMPONENTS) {
    const image = spec.images?.[component];
    const field = `images.${component}`;
    if (image !== undefined) {
      if ("tag" in image && "digest" in image) problem(field, "give a tag or a digest, not both");
      else if ("tag" in image && !IMAGE_TAG.test(image.tag)) problem(`${field}.tag`, `"${image.tag}" is not a valid image tag`);
      else if ("digest" in image && !IMAGE_DIGEST.test(image.digest)) problem(`${field}.digest`, `"${image.digest}" is not sha256: followed by 64 lowercase hex digits`);
    }
    if (spec.production === true && (image === undefined || ("tag" in image && image.tag === "latest"))) {
      problem(field, "a production environment must pin the image to a version tag or digest, never latest");
    }

    const replicas = spec.replicas?.[component];
    if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 0)) {
      problem(`replicas.${component}`, `${String(replicas)} is not a whole number >= 0`);
    } else if (component === "backend" && replicas !== undefined && replicas > 1) {
      problem("replicas.backend", "must be 0 or 1: the backend is the single writer of a SQLite file on a ReadWriteOnce volume");
    }

    checkResources(problem, `resources.${component}`, spec.resources?.[component]);

    const budget = spec.disruptionBudgets?.[component];
    if (budget !== undefined) {
      const count = spec.replicas?.[component] ?? 1;
      if (!Number.isInteger(budget.minAvailable) || budget.minAvailable < 0) {
        problem(`disruptionBudgets.${component}.minAvailable`, `${String(budget.minAvailable)} is not a whole number >= 0`);
      } else if (budget.minAvailable >= count) {
        problem(
          `disruptionBudgets.${component}.minAvailable`,
          `${budget.minAvailable} with ${count} replica(s) would block every node drain; use fewer than the replicas`,
        );
      }
    }
  }

  for (const key of Object.keys(spec.config ?? {})) {
    if (!CONFIG_KEY.test(key)) problem(`config.${key}`, "is not a valid ConfigMap key (letters, digits, '-', '_', '.')");
  }
  if (spec.production === true && spec.secret.mode === "generated") {
    problem("secret.mode", "a production environment must not generate its Secret; use mode: existing");
  }
  if (spec.ingress !== undefined) {
    if (!DNS1123_SUBDOMAIN.test(spec.ingress.host) || spec.ingress.host.length > 253) {
      problem("ingress.host", `"${spec.ingress.host}" is not a lowercase hostname`);
    }
    if (spec.ingress.tlsSecretName !== undefined && !DNS1123_SUBDOMAIN.test(spec.ingress.tlsSecretName)) {
      problem("ingress.tlsSecretName", `"${spec.ingress.tlsSecretName}" is not a valid Secret name`);
    }
  }
  if (spec.storage?.size !== undefined && quantityValue(spec.storage.size) === undefined) {
    problem("storage.size", `"${spec.storage.size}" is not a Kubernetes quantity (like 10Gi)`);
  }
  if (spec.storage?.className !== undefined && !DNS1123_SUBDOMAIN.test(spec.storage.className)) {
    problem("storage.className", `"${spec.storage.className}" is not a valid StorageClass name`);
  }
  return problems;
}

/**
 * Throws one INVALID_SPEC error listing every problem of every spec (and names used twice).
 *
 * @throws ArgusKustomizeError INVALID_SPEC
 */
export function assertEnvironments(specs: readonly EnvironmentSpec[], file?: string): void {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const where = file !== undefined ? `${file}: ` : "";
    for (const { field, message } of checkEnvironment(spec)) {
      lines.push(`${where}environment "${spec.name}", field ${field}: ${message}`);
    }
    if (seen.has(spec.name)) lines.push(`${where}environment "${spec.name}", field name: defined twice`);
    seen.add(spec.name);
  }
  if (lines.length > 0) {
    throw new ArgusKustomizeError("INVALID_SPEC", `${lines.length} problem(s) in the environments:\n  ${lines.join("\n  ")}`, {
      problems: lines,
      ...(specs.length === 1 && specs[0] !== undefined ? { location: { environment: specs[0].name, ...(file !== undefined ? { file } : {}) } } : {}),
    });
  }
}

function checkDnsLabel(problem: (field: string, message: string) => void, field: string, value: string): void {
  if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
    problem(field, `"${String(value)}" is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)`);
  }
}

function checkResources(problem: (field: string, message: string) => void, field: string, resources: ResourceSpec | undefined): void {
  if (resources === undefined) return;
  for (const kind of ["requests", "limits"] as const) {
    for (const [name, quantity] of Object.entries(resources[kind] ?? {})) {
      if (quantity !== undefined && quantityValue(quantity) === undefined) {
        problem(`${field}.${kind}.${name}`, `"${quantity}" is not a Kubernetes quantity (like 512Mi or 250m)`);
      }
    }
  }
  for (const name of ["cpu", "memory"] as const) {
    const request = quantityValue(resources.requests?.[name] ?? "");
    const limit = quantityValue(resources.limits?.[name] ?? "");
    if (request !== undefined && limit !== undefined && request > limit) {
      problem(`${field}.requests.${name}`, `request ${resources.requests?.[name]} is above the limit ${resources.limits?.[name]}`);
    }
  }
}
