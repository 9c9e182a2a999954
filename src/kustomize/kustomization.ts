/**
 * The subset of kustomize's `Kustomization` (api/types/kustomization.go) this tool writes, with
 * kustomize's own field names. Deprecated fields (`commonLabels`, `patchesStrategicMerge`,
 * `patchesJson6902`, `bases`, `vars`, `imageTags`) are deliberately absent, so they cannot be
 * written: kustomize 5 prints a warning for each.
 */

/** `labels:` entry (types.Label). */
export interface KustomizeLabel {
  pairs: Record<string, string>;
  /** Adding to selectors changes an immutable field of live Deployments: always false here. */
  includeSelectors?: false;
  includeTemplates?: boolean;
}

/** `images:` entry (types.Image). */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** `replicas:` entry (types.Replica). */
export interface KustomizeReplica {
  name: string;
  count: number;
}

/** `configMapGenerator:` / `secretGenerator:` entry (types.GeneratorArgs). */
export interface KustomizeGenerator {
  name: string;
  behavior?: "create" | "merge" | "replace";
  literals?: string[];
  envs?: string[];
  files?: string[];
  /** Only for secretGenerator (types.SecretArgs). */
  type?: string;
  options?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** `patches:` target (types.Selector). */
export interface KustomizeSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** `patches:` entry (types.Patch). */
export interface KustomizePatch {
  path?: string;
  patch?: string;
  target?: KustomizeSelector;
}

/** A kustomization.yaml, with its keys in the order they are written. */
export interface Kustomization {
  apiVersion: "kustomize.config.k8s.io/v1beta1";
  kind: "Kustomization";
  resources?: string[];
  namespace?: string;
  labels?: KustomizeLabel[];
  images?: KustomizeImage[];
  replicas?: KustomizeReplica[];
  configMapGenerator?: KustomizeGenerator[];
  secretGenerator?: KustomizeGenerator[];
  patches?: KustomizePatch[];
}

/** The header every kustomization.yaml starts with. */
export const KUSTOMIZATION_HEADER = {
  apiVersion: "kustomize.config.k8s.io/v1beta1",
  kind: "Kustomization",
} as const;
