import type { SeedFile } from "../kustomize/compile.js";
import type { TreeRecord } from "../tree/record.js";
import type { DiskFiles } from "../tree/disk-files.js";
import { ALL_STAGED, type Staged } from "./staging.js";
import type { TreeWrite } from "./transaction.js";
import type { TreeContents } from "./planned-tree.js";

/*
 * A generate whose plan equals the tree on disk: nothing is staged, written or moved.
 *
 * Is it sound to skip the staging directory? Everything generate verifies is a function of bytes
 * that are already on disk, identical:
 * - the owned files are the planned bytes (compared one by one), no owned file is left to delete,
 *   and every seed exists: a staged copy would hold exactly these files (seeds are staged by
 *   copying the ones on disk), so kustomize, which reads only what the (identical)
 *   kustomizations reference, would render the same output from either;
 * - the tree is locked, and any interrupted generate was rolled forward first, so nothing changes
 *   it meanwhile.
 * What is NOT skipped is the verification itself: it runs on the tree in place. A changed renderer
 * (another kubectl), an edited seed (dev's secrets.env), or a new validator (an upgrade of this
 * tool) each change a cache key, so they are rendered or validated again and reported as
 * before; only when none changed do the render and validation caches answer, and nothing runs.
 * Files of yours beside the owned ones cannot change the output either (no kustomization names
 * them), with one exception kustomize itself makes: a second kustomization file in an overlay
 * directory fails the build. Should the verification fail in place for that or any other
 * reason, generate falls back to the full staged run, whose result (or error) is the one reported,
 * exactly as without this path.
 */

/** True when writing `contents` and `seeds` over the tree read as `disk` would change nothing. */
export function isUnchanged(disk: DiskFiles, contents: TreeContents, seeds: readonly SeedFile[], record: TreeRecord): boolean {
  for (const [file, text] of contents) if (disk.get(file) !== text) return false;
  for (const seed of seeds) if (disk.get(seed.path) === undefined) return false;
  const seedPaths = new Set([...record.seeds, ...seeds.map((seed) => seed.path)]);
  // An owned file no longer planned would be deleted (unless it is a seed, or the .gitignore
  // kept beside a removed environment's seed): then the tree changes.
  const keptSeeds = record.seeds.filter((file) => !seeds.some((seed) => seed.path === file));
  const keptWithSeeds = new Set(keptSeeds.map((file) => `${file.slice(0, file.lastIndexOf("/") + 1)}.gitignore`));
  for (const file of record.files) {
    if (contents.has(file) || seedPaths.has(file) || keptWithSeeds.has(file)) continue;
    if (disk.get(file) !== undefined) return false;
  }
  return true;
}

/**
 * Runs `verify` on the tree in place (see above); `false` when it failed, so the caller takes the
 * staged path and reports that run's outcome.
 */
export async function verifyInPlace<P extends TreeWrite>(
  root: string,
  planned: P,
  verify: ((dir: string, planned: P, staged: Staged) => Promise<void>) | undefined,
): Promise<boolean> {
  if (verify === undefined) return true;
  try {
    await verify(root, planned, ALL_STAGED);
    return true;
  } catch {
    return false;
  }
}
