import type { EnvironmentSpec, ImageVersion } from "./environment-spec.js";

/**
 * The version prod pins both images to until you set yours. A placeholder on purpose: it is a
 * valid tag (so the tree renders and validates) that no registry should have, so a cluster that
 * pulls it fails loudly instead of running an unknown build. Override it with
 * `prodEnvironment({ image: { tag: "1.4.2" } })` from a script.
 */
export const PROD_IMAGE_VERSION_PLACEHOLDER = "0.0.0-set-me";

/**
 * The dev environment: namespace `argusai-dev`, smaller requests, debug logging, a 2Gi volume and
 * a Secret generated on the developer's machine (never committed).
 *
 * @example
 * generate({ dir: ".", environments: [devEnvironment(), prodEnvironment()] });
 */
export function devEnvironment(): EnvironmentSpec {
  return {
    name: "dev",
    namespace: "argusai-dev",
    resources: {
      backend: { requests: { memory: "256Mi", cpu: "100m" } },
      frontend: { requests: { memory: "128Mi", cpu: "50m" } },
    },
    config: { DEBUG: "true", LOG_LEVEL: "DEBUG" },
    secret: { mode: "generated" },
    storage: { size: "2Gi" },
  };
}

/** What a caller may change of the built-in prod environment. */
export interface ProdOptions {
  /**
   * The version both images are pinned to.
   * @default { tag: PROD_IMAGE_VERSION_PLACEHOLDER }
   */
  readonly image?: ImageVersion;
  /**
   * Frontend replicas (a PodDisruptionBudget keeps all but one available).
   * @default 2
   */
  readonly frontendReplicas?: number;
  /**
   * The components whose images are pinned: every one of the registry in use, so a component added
   * in the config file is pinned like ArgusAI's own.
   * @default ["backend", "frontend"]
   */
  readonly components?: readonly string[];
}

/**
 * The prod environment: namespace `argusai`, both images pinned, the base's resources, the
 * frontend scaled out behind a PodDisruptionBudget, and the Secret provided from outside.
 * The namespace itself is not part of the overlay: it holds the Secret created outside this
 * tree, and an Argo CD prune or `kubectl delete -k` of the overlay must never delete it.
 * It gets an Argo CD Application (argocd/prod.yaml), synced by hand until you turn on automation.
 *
 * @example
 * prodEnvironment({ image: { tag: "1.4.2" } });
 */
export function prodEnvironment(options: ProdOptions = {}): EnvironmentSpec {
  const image = options.image ?? { tag: PROD_IMAGE_VERSION_PLACEHOLDER };
  const frontendReplicas = options.frontendReplicas ?? 2;
  return {
    name: "prod",
    namespace: "argusai",
    production: true,
    createNamespace: false,
    images: Object.fromEntries((options.components ?? ["backend", "frontend"]).map((component) => [component, image])) as EnvironmentSpec["images"],
    replicas: { frontend: frontendReplicas },
    secret: { mode: "existing" },
    disruptionBudgets: { frontend: { minAvailable: frontendReplicas - 1 } },
    // prod is the environment a GitOps repo syncs: argocd/prod.yaml shows the whole shape.
    argocd: { enabled: true },
  };
}

/**
 * The environments generate writes when it is given none: dev and prod.
 *
 * @param components the registry's component names (prod pins every one)
 */
export function builtInEnvironments(components?: readonly string[]): EnvironmentSpec[] {
  return [devEnvironment(), prodEnvironment(components !== undefined ? { components } : {})];
}

/** Something a valid environment should hear about: a `warning` (CI may fail on it) or a `note`. */
export interface EnvironmentNotice {
  readonly level: "warning" | "note";
  readonly environment: string;
  readonly field: string;
  readonly message: string;
}

/**
 * What generate and validate say about valid environments on every run: a production environment
 * still on the placeholder version (a warning: the cluster could not pull it), and a disruption
 * budget of `maxUnavailable: 0` (a note: a trade-off, not a mistake).
 */
export function environmentNotices(spec: EnvironmentSpec<string>): EnvironmentNotice[] {
  const notices: EnvironmentNotice[] = [];
  for (const [component, image] of Object.entries(spec.images ?? {})) {
    if (spec.production === true && image?.tag === PROD_IMAGE_VERSION_PLACEHOLDER) {
      notices.push({
        level: "warning",
        environment: spec.name,
        field: `images.${component}.tag`,
        message: `is the placeholder ${PROD_IMAGE_VERSION_PLACEHOLDER}, which no registry has: set your release before applying`,
      });
    }
  }
  for (const [component, budget] of Object.entries(spec.disruptionBudgets ?? {})) {
    if (budget?.maxUnavailable === 0 || budget?.maxUnavailable === "0%") {
      notices.push({
        level: "note",
        environment: spec.name,
        field: `disruptionBudgets.${component}.maxUnavailable`,
        message: `is 0: the ${component} is never evicted voluntarily, so draining its node waits until someone deletes the pod by hand`,
      });
    }
  }
  return notices;
}
