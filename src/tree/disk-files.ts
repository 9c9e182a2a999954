import { readFileSync } from "node:fs";
import { resolveInside } from "./layout.js";

/*
 * The tree on disk, read once per run. generate compares it with its plan (an unchanged tree is
 * then neither staged nor written), check diffs against it, and whatever else wants the committed
 * contents (a before/after comparison) can take the same map instead of reading the files again.
 */

/** What stands at a tree path where a file belongs but a directory is: never equal to any planned text. */
export const DIRECTORY_HERE = "(a directory is here)\n";

/** Text of tree files by POSIX path as they are on disk; `undefined` for a missing one. */
export type DiskFiles = ReadonlyMap<string, string | undefined>;

/**
 * Reads `files` (tree-relative POSIX paths) of the tree in `root`. A missing file (or a missing
 * directory on its path) reads as `undefined`; a directory reads as {@link DIRECTORY_HERE} for a
 * comparison (`directories: "mark"`), or is an error (EISDIR) for a writer, which must not plan
 * to replace or delete it; any other error is thrown. Synchronous reads, one after another: for thousands of small files this is
 * several times faster than promise-based reads through the thread pool, and nothing else runs
 * meanwhile (no renderer has started).
 *
 * @throws ArgusKustomizeError WRITE_FAILED for a path outside the tree; the read's own error otherwise
 */
export function readDiskFiles(root: string, files: Iterable<string>, directories: "mark" | "throw" = "mark"): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  for (const file of files) {
    if (found.has(file)) continue;
    found.set(file, readOne(resolveInside(root, file), directories));
  }
  return found;
}

function readOne(file: string, directories: "mark" | "throw"): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "EISDIR" && directories === "mark") return DIRECTORY_HERE;
    throw error;
  }
}
