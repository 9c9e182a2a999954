import { readFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";

/*
 * Generate's own bookkeeping files at the root of a tree. Only the record is meant to be
 * committed; the others exist while (or because) a generate runs.
 */

/**
 * The record kept at the root of a generated tree (record.ts). It is the tree's lockfile: which
 * environments it was generated from (so `check` and a plain `generate` reproduce it, however it
 * was first made), which files generate owns (the only ones it ever overwrites or deletes), and
 * which seed files it created (machine-local, never compared, never overwritten).
 */
export const RECORD_FILE = ".argusai-kustomize.json";
/** Present while a generate runs; holds its pid. Another generate waits for it. */
export const LOCK_FILE = ".argusai-kustomize.lock";
/** Present from the moment a verified tree is committed until every file is in place. */
export const JOURNAL_FILE = ".argusai-kustomize.journal";
/** Prefix of the staging directories a generate writes and verifies the new tree in. */
export const STAGING_PREFIX = ".argusai-kustomize-staging-";

/**
 * Resolves a tree-relative POSIX path inside `root`, refusing anything that would land outside it
 * (absolute paths, `..`, empty segments), whatever a name in a spec or a record says.
 *
 * @throws ArgusKustomizeError WRITE_FAILED
 */
export function resolveInside(root: string, relative: string): string {
  if (!isSafeRelative(relative)) {
    throw new ArgusKustomizeError("WRITE_FAILED", `refusing a path outside the target directory: ${relative}`, { location: { file: relative } });
  }
  return path.join(root, ...relative.split("/"));
}

/** True for a relative POSIX path with no `..`, `.` or empty segments. */
export function isSafeRelative(relative: string): boolean {
  return (
    relative !== "" &&
    !relative.startsWith("/") &&
    !relative.includes("\\") &&
    relative.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
}

/** A file's text, or `undefined` when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}
