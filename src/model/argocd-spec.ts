import { z } from "zod";
import { ARGOCD_SYNC_OPTIONS } from "../kubernetes/names.js";
import type { SpecProblem } from "./spec-problem.js";

/*
 * The per-environment Argo CD opt-in. Kept beside the environment schema (not in argocd/) because
 * it is part of the spec's single definition: environment files, the JSON Schema and the
 * TypeScript type all come from environmentSchemaFor, which includes this.
 */

/** `argocd:` of an environment: whether it gets an Argo CD Application, and how that syncs. */
export const argocdSpecSchema = z
  .strictObject({
    enabled: z
      .boolean({ error: "must be true or false" })
      .optional()
      .describe("Write argocd/<name>.yaml, an Argo CD Application for this overlay (the built-in prod: true)")
      .meta({ default: false }),
    automated: z
      .strictObject({
        prune: z.boolean({ error: "must be true or false" }).optional().describe("Delete objects that left the overlay").meta({ default: false }),
        selfHeal: z.boolean({ error: "must be true or false" }).optional().describe("Undo changes made in the cluster").meta({ default: false }),
      })
      .optional()
      .describe("Sync automatically on every commit; absent: sync by hand (the default)"),
  })
  .describe("An Argo CD Application for this environment (argocd/<name>.yaml)");

/** The `argocd` field of an environment. */
export type ArgoCDSpec = z.infer<typeof argocdSpecSchema>;

/**
 * Why an environment cannot be synced by Argo CD, or `undefined`. A Secret generated on this
 * machine (dev's git-ignored secrets.env) is not in the repository Argo CD clones, so its overlay
 * cannot render there.
 */
export function argocdRefusal(spec: unknown): SpecProblem | undefined {
  const secret = (spec as { secret?: { mode?: unknown } } | null)?.secret;
  if (secret?.mode !== "generated") return undefined;
  return {
    field: ["secret", "mode"],
    message:
      "is generated: its secrets.env exists only on this machine (git-ignored), so Argo CD's checkout cannot render the overlay; " +
      "use secret mode existing (a Secret made outside the tree) for an environment Argo CD syncs",
  };
}

/**
 * Where the Applications point and where they live. Every field given is recorded in the tree, so
 * check and a plain generate reproduce it.
 */
export interface ArgoCDOptions {
  /**
   * An Application for every environment Argo CD can sync (not one whose spec says
   * `argocd: { enabled: false }`, nor one whose Secret is generated on this machine, like dev).
   * `false` undoes an earlier `true`.
   * @default false: only environments with `argocd: { enabled: true }` (built-in prod) get one
   */
  readonly all?: boolean;
  /**
   * The Git repository Argo CD clones (the one holding this tree).
   * @default `repository` of the nearest package.json from the tree's directory upwards, else ARGOCD_REPO_URL_PLACEHOLDER
   */
  readonly repoURL?: string;
  /** The branch, tag or commit Argo CD syncs. @default "HEAD" */
  readonly targetRevision?: string;
  /** The Argo CD AppProject. @default "default" */
  readonly project?: string;
  /** The cluster's API server URL. @default "https://kubernetes.default.svc" (the cluster Argo CD runs in) */
  readonly destinationServer?: string;
  /** The cluster by its Argo CD name, instead of destinationServer. */
  readonly destinationName?: string;
  /** The namespace the Application objects live in (Argo CD's). @default "argocd" */
  readonly applicationNamespace?: string;
}

/** Cross-field rules of `argocd` (run by validateEnvironment on possibly malformed input). */
export function argocdProblems(spec: unknown): SpecProblem[] {
  const argocd = (spec as { argocd?: { enabled?: unknown } } | null)?.argocd;
  if (argocd?.enabled !== true) return [];
  const refusal = argocdRefusal(spec);
  return refusal === undefined ? [] : [{ field: ["argocd", "enabled"], message: `cannot be true: secret.mode ${refusal.message}` }];
}

/**
 * Annotations on the generated argusai-config ConfigMap (configMapGenerator options in the base;
 * an overlay's `behavior: merge` keeps them). Its name carries a content hash, so every config
 * change makes a new ConfigMap and the old one leaves the overlay. The old ReplicaSet still
 * references it, so a rollback needs it: `Prune=false` keeps Argo CD from deleting it (Argo CD
 * >= 1.1, docs user-guide/sync-options "No Prune Resources"), and `IgnoreExtraneous` keeps it from
 * marking the app OutOfSync (docs user-guide/compare-options, which gives exactly this kustomize
 * generator case). Nothing deletes old ones automatically.
 */
export const GENERATED_CONFIG_ANNOTATIONS: Readonly<Record<string, string>> = {
  "argocd.argoproj.io/compare-options": "IgnoreExtraneous",
  [ARGOCD_SYNC_OPTIONS]: "Prune=false",
};
