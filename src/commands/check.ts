import type { ArgoCDOptions } from "../argocd/application.js";
import type { ArgusComponent } from "../model/components.js";
import { withOsErrors } from "../os-errors.js";
import type { TreeOptions } from "../tree/resolve-environments.js";
import { findUpgrades, type UpgradeFinding } from "../tree/upgrade-check.js";
import { findDrift, type TreeDrift } from "../write/planned-tree.js";
import { planTree } from "./plan.js";
import { planInputsKey, rememberedNoDrift, rememberPlan } from "./plan-memo.js";
import { openTree } from "./tree.js";

/** Options of {@link check}. */
export interface CheckOptions<C extends string = ArgusComponent> extends TreeOptions<C> {
  /** As for generate: settings given here are compared as if generate were given them. @default the recorded settings, else the config's */
  readonly argocd?: ArgoCDOptions;
}

/**
 * Compares the tree with what {@link generate} would write. Needs no kubectl. The Applications'
 * repoURL and path are derived as generate derives them (from the Git repository holding the
 * tree), and taken from the record only where there is no repository (a copy without `.git`).
 *
 * @returns every file that differs, is missing, or is stale (owned but no longer generated)
 */
export async function check<C extends string = ArgusComponent>(options: CheckOptions<C> = {}): Promise<TreeDrift[]> {
  return (await checkTree(options)).drift;
}

/** What {@link checkTree} finds: the files that differ, and the changes generate would refuse. */
export interface CheckResult {
  /** The tree's directory: `dir`, else the nearest one upwards holding the record or a config file. */
  readonly dir: string;
  readonly drift: TreeDrift[];
  /** Changes of existing objects generate refuses without `allowReplace` (docs/upgrades.md). */
  readonly upgrades: UpgradeFinding[];
}

/** {@link check}, plus the changes to existing objects that generate would refuse. Needs no kubectl. */
export async function checkTree<C extends string = ArgusComponent>(options: CheckOptions<C> = {}): Promise<CheckResult> {
  return withOsErrors(async () => {
    const tree = await openTree(options as CheckOptions<string>);
    // No work for what did not change: a tree known to match a remembered plan (plan-memo.ts).
    const memo = { ...options, dir: tree.dir };
    if (await rememberedNoDrift(memo)) return { dir: tree.dir, drift: [], upgrades: [] };
    const key = await planInputsKey(tree.dir, memo);
    const planned = await planTree(tree, tree.options);
    await rememberPlan(memo, key, planned);
    const drift = await findDrift(
      tree.dir,
      planned.contents,
      planned.seeds.map((seed) => seed.path),
    );
    const environments = planned.argocd.plan.overlays.map((overlay) => overlay.environment);
    return { dir: tree.dir, drift, upgrades: await findUpgrades(tree.dir, planned.contents, environments) };
  });
}
