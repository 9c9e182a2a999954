import { withApplications, type ArgoCDOptions, type PlanWithApplications } from "../argocd/application.js";
import { compileTree, type SeedFile } from "../kustomize/compile.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { readRecord } from "../tree/record.js";
import { resolveEnvironments, type TreeOptions } from "../tree/resolve-environments.js";
import type { TreeContents } from "../write/planned-tree.js";
import { serializeTree } from "../write/yaml-memo.js";
import type { OpenTree } from "./tree.js";

/** Options of the plan: the tree's and the Argo CD ones given to this run. */
export interface PlanOptions extends TreeOptions<string> {
  readonly argocd?: ArgoCDOptions;
}

/** Everything generate would write, and what verifying it needs. */
export interface TreePlanned {
  /** Every owned file's exact bytes, the record included. */
  readonly contents: TreeContents;
  readonly seeds: readonly SeedFile[];
  readonly specs: readonly EnvironmentSpec<string>[];
  readonly argocd: PlanWithApplications;
}

/**
 * Everything generate would write into the tree for these options, from its record as it is now:
 * read the environments (record, files, removals) and validate them, compile the overlays, add the
 * Argo CD Applications, and serialise the files. generate makes it once, under the tree's lock;
 * check makes the same plan to compare with the disk.
 */
export async function planTree(tree: Pick<OpenTree, "dir" | "base" | "config">, options: PlanOptions): Promise<TreePlanned> {
  const record = await readRecord(tree.dir);
  const environments = await resolveEnvironments({ ...options, dir: tree.dir, base: tree.base }, record);
  const compiled = compileTree(tree.base, environments.specs, { validated: true });
  const argocd = await withApplications(tree.dir, compiled, environments.specs, tree.base.components, {
    ...(options.argocd !== undefined ? { given: options.argocd } : {}),
    ...(tree.config.config.argocd !== undefined ? { config: tree.config.config.argocd } : {}),
    ...(tree.config.file !== undefined ? { configFile: tree.config.file } : {}),
    ...(record.argocd !== undefined ? { recorded: record.argocd } : {}),
    ...(record.source !== undefined ? { recordedSource: record.source } : {}),
  });
  // generate's `cache` option (check and validate have none: the default cache) covers the documents' YAML too, as it
  // covered the environment files' parses above (resolveEnvironments reads it from the same options).
  const cache = (options as { readonly cache?: boolean | string }).cache;
  return {
    contents: await serializeTree(
      tree.dir,
      argocd.plan,
      environments.recorded,
      { ...(argocd.record !== undefined ? { argocd: argocd.record } : {}), source: argocd.source },
      cache,
    ),
    seeds: argocd.plan.seeds,
    specs: environments.specs,
    argocd,
  };
}
