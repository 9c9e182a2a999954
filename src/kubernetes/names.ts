/*
 * Kubernetes names and the well-known keys this tool writes or reads: one home, so a pattern or a
 * key is spelt once. The patterns mirror k8s.io/apimachinery/pkg/util/validation (validation.go);
 * the rules built on them (with their lengths and messages) are in ./rules.ts.
 */

/** A DNS-1123 subdomain (IsDNS1123Subdomain, without its length). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label (IsDNS1123Label, without its length). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS1123LabelMaxLength. */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** DNS1123SubdomainMaxLength. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** A label or annotation key: an optional DNS-subdomain prefix and a name (IsQualifiedName). */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: at most 63 characters, alphanumerics with '-', '_', '.' inside (IsValidLabelValue). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The Pod Security labels every ArgusAI namespace carries: its pods meet the restricted profile, and it enforces that they stay so. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** The file names kustomize reads a kustomization from, in the order it looks for them. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** The annotation Argo CD reads per-resource sync options from. */
export const ARGOCD_SYNC_OPTIONS = "argocd.argoproj.io/sync-options";
