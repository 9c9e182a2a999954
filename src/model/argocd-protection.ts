/*
 * What keeps Argo CD from deleting data. Argo CD reads per-resource sync options from the
 * `argocd.argoproj.io/sync-options` annotation of the live object: a pruning sync skips an object
 * with `Prune=false` (gitops-engine's pruneObject), and a cascading Application delete skips one
 * with `Delete=false` (the application controller's shouldBeDeleted). The data volume and a
 * Namespace the overlay owns (deleting it deletes the volume and the Secret made outside the tree)
 * carry both.
 */

/** The annotation Argo CD reads per-resource sync options from. */
export const SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options";

/** The sync options of everything Argo CD must never delete. */
export const KEEP_SYNC_OPTIONS = "Prune=false,Delete=false";

/** The options an object must carry to be kept through a pruning sync and an Application delete. */
export const KEEP_OPTIONS = ["Prune=false", "Delete=false"] as const;

/**
 * Whether an object's sync-options annotation holds `option`, as Argo CD reads it (resource
 * util's HasAnnotationOption: split at commas, each item trimmed, compared exactly).
 */
export function hasSyncOption(object: unknown, option: string): boolean {
  const metadata = (object as { metadata?: unknown } | null | undefined)?.metadata;
  const annotations = typeof metadata === "object" && metadata !== null ? (metadata as { annotations?: unknown }).annotations : undefined;
  const value = typeof annotations === "object" && annotations !== null ? (annotations as Record<string, unknown>)[SYNC_OPTIONS_ANNOTATION] : undefined;
  return typeof value === "string" && value.split(",").some((item) => item.trim() === option);
}
