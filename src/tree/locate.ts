import { stat } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { isOsError } from "../os-errors.js";
import { CONFIG_FILES } from "./config-file.js";
import { RECORD_FILE } from "./record.js";

/*
 * Which tree a command acts on, found as git finds `.git`: the nearest directory, from the working
 * directory upwards, holding the record or a config file. Run from overlays/staging or envs/, a
 * command acts on the tree above instead of starting a second one there.
 */

/** The markers of a tree's root. */
export const TREE_MARKERS: readonly string[] = [RECORD_FILE, ...CONFIG_FILES];

/** Where a command acts. */
export interface TreeLocation {
  /** The tree's root, absolute. */
  readonly dir: string;
  /**
   * How it was found: `given` (a dir option), `found` (a marker in the working directory or above),
   * `new` (none found: the working directory, where generate starts a tree).
   */
  readonly how: "given" | "found" | "new";
}

/** The nearest directory from `start` upwards holding a tree marker, or undefined. */
export async function findTreeRoot(start: string): Promise<string | undefined> {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    for (const marker of TREE_MARKERS) {
      const info = await stat(path.join(dir, marker)).catch((error: unknown) => {
        // An unreadable directory above the tree is no reason to fail: look further up.
        if (isOsError(error)) return undefined;
        throw error;
      });
      if (info?.isFile() === true) return dir;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The tree a command acts on: `dir` when given (relative to the working directory), else the
 * nearest tree from the working directory upwards, else (`create`) the working directory.
 *
 * @throws ArgusKustomizeError TREE_NOT_FOUND when nothing is found and the command does not create trees
 */
export async function locateTree(dir: string | undefined, options: { readonly create?: boolean } = {}): Promise<TreeLocation> {
  if (dir !== undefined) return { dir: path.resolve(dir), how: "given" };
  const cwd = process.cwd();
  const found = await findTreeRoot(cwd);
  if (found !== undefined) return { dir: found, how: "found" };
  if (options.create === true) return { dir: cwd, how: "new" };
  throw new ArgusKustomizeError(
    "TREE_NOT_FOUND",
    `no tree here or above (no ${RECORD_FILE} nor argusai-kustomize.config.* from ${cwd} upwards): run the command inside your tree, give it with --dir, or start one with argusai-kustomize init`,
    { location: { file: cwd } },
  );
}
