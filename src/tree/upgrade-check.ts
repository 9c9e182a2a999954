import { ArgusKustomizeError } from "../errors.js";
import { overlayDir } from "../kustomize/compile.js";
import { compileOverlayFiles } from "./compiled-objects.js";
import { readIfExists, resolveInside } from "./layout.js";
import { readRecord } from "./record.js";
import { readDiskFiles } from "./disk-files.js";
import { upgradeFindings, type UpgradeFinding } from "./upgrade-guards.js";
import { upgradeProblem } from "./upgrade-problem.js";

export type { UpgradeFinding };

/**
 * The refused changes between the tree in `dir` as committed and `contents` (every file generate
 * would write), for each environment the tree already has an overlay of (owned, per its record).
 * A new environment, or one whose committed files this tool cannot read back, has none.
 */
export async function findUpgrades(dir: string, contents: ReadonlyMap<string, string>, environments: readonly string[]): Promise<UpgradeFinding[]> {
  // Nothing changes, nothing to refuse: every file an overlay is compiled from (its kustomization,
  // resources, patches, the base) is a planned file, so when each planned file is byte for byte
  // the committed one, before and after compile from the same bytes. (An unchanged generate or
  // check of 500 environments spent seconds compiling them twice to find that.)
  const committed = readDiskFiles(dir, contents.keys());
  if ([...contents].every(([file, text]) => committed.get(file) === text)) return [];
  const owned = new Set((await readRecord(dir)).files);
  const onDisk = async (file: string) => {
    try {
      return await readIfExists(resolveInside(dir, file));
    } catch {
      return undefined;
    }
  };
  const findings: UpgradeFinding[] = [];
  for (const environment of environments) {
    if (!owned.has(`${overlayDir(environment)}/kustomization.yaml`)) continue;
    const before = await compileOverlayFiles(onDisk, environment);
    const after = await compileOverlayFiles((file) => contents.get(file), environment);
    if (before !== undefined && after !== undefined) findings.push(...upgradeFindings(before, after));
  }
  return findings;
}

// In a module of its own, so the CLI's output code can use it without loading this one's.
export { upgradeProblem };

/**
 * Throws unless every finding's environment is in `allowReplace` (environments a person has
 * migrated by hand).
 *
 * @throws ArgusKustomizeError USAGE for an allowed name that is no environment of the run, UPGRADE_REFUSED listing each finding
 */
export function refuseUpgrades(findings: readonly UpgradeFinding[], allowReplace: readonly string[], environments: readonly string[]): void {
  const unknown = allowReplace.filter((name) => !environments.includes(name));
  if (unknown.length > 0) {
    throw new ArgusKustomizeError("USAGE", `--allow-replace names no environment of the tree: ${unknown.join(", ")} (have: ${environments.join(", ")})`, {
      location: { field: "allowReplace" },
    });
  }
  const refused = findings.filter((finding) => !allowReplace.includes(finding.environment));
  if (refused.length === 0) return;
  throw new ArgusKustomizeError(
    "UPGRADE_REFUSED",
    `${refused.length} change(s) to existing objects that a live cluster would refuse or that would strand data; nothing was written (docs/upgrades.md)`,
    { problems: refused.map(upgradeProblem) },
  );
}

/**
 * generate's guard: the findings of this plan against the tree in `dir`, refused unless allowed.
 *
 * @throws ArgusKustomizeError UPGRADE_REFUSED, USAGE
 */
export async function assertUpgradeAllowed(
  dir: string,
  planned: { readonly contents: ReadonlyMap<string, string>; readonly plan: { readonly overlays: ReadonlyArray<{ readonly environment: string }> } },
  allowReplace: readonly string[] = [],
): Promise<void> {
  const environments = planned.plan.overlays.map((overlay) => overlay.environment);
  refuseUpgrades(await findUpgrades(dir, planned.contents, environments), allowReplace, environments);
}
