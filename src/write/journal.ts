import { lstatSync, renameSync } from "node:fs";
import { link, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { JOURNAL_FILE, readIfExists, resolveInside, STAGING_PREFIX } from "../tree/layout.js";
import { makeDirectory, removeEmptyParents, syncDirectory, syncFiles, writeNew } from "./files.js";

/*
 * The commit point of a generate. Once `.argusai-kustomize.journal` exists, the new tree (verified
 * in its staging directory) is the tree: every later step only moves files into place, and a
 * generate killed during them is finished by whoever takes the lock next (rolled forward, never
 * back, since the old files may already be gone).
 */

/** Every move and deletion of one commit, by tree-relative path. */
export interface Journal {
  /** The staging directory's name (in the tree's root) holding the files to move. */
  readonly staging: string;
  /**
   * Directories that did not exist in the tree, each moved whole in one rename before the files
   * (a new tree's `base/`, `overlays/` and `argocd/`, a new environment's overlay): every file in
   * them is also in `moves` or `seeds`, so a journal read without this field (an older version
   * rolling it forward) or a rename the file system refuses still ends with the same tree.
   * Absent in journals written before it existed.
   */
  readonly directories?: readonly string[];
  readonly moves: readonly string[];
  /** Seeds to create; linked, never renamed over an existing file. */
  readonly seeds: readonly string[];
  readonly deletes: readonly string[];
}

/** Name of the journal while it is written: not a commit until renamed to {@link JOURNAL_FILE}. */
export function journalDraft(pid = process.pid): string {
  return `${JOURNAL_FILE}.${pid}.tmp`;
}

/** Commits `journal`: written aside, flushed, then renamed into place in one atomic step. */
export async function writeJournal(root: string, journal: Journal): Promise<void> {
  const draft = path.join(root, journalDraft());
  await rm(draft, { force: true });
  writeNew(draft, `${JSON.stringify(journal)}\n`);
  await syncFiles([draft]);
  await rename(draft, path.join(root, JOURNAL_FILE));
  await syncDirectory(root);
}

/**
 * Puts every file of a committed journal in place, then removes the journal and the staging
 * directory. Idempotent: a rerun after a kill finishes it. `onStep` runs after each move and
 * deletion (the crash tests' kill points).
 */
export async function applyJournal(root: string, journal: Journal, onStep: () => void = () => undefined): Promise<void> {
  const staging = resolveInside(root, journal.staging);
  // Synchronous moves: thousands of renames one after another, with signals held anyway (see
  // writeTree); asynchronous, each was three thread-pool round trips (2,223 files: about 2 s).
  const made = new Set<string>();
  for (const dir of journal.directories ?? []) {
    if (moveDirectory(resolveInside(staging, dir), resolveInside(root, dir), made)) onStep();
  }
  for (const file of journal.moves) {
    const source = resolveInside(staging, file);
    if (lstatSync(source, { throwIfNoEntry: false }) === undefined) continue; // moved before the kill
    const target = resolveInside(root, file);
    makeDirectory(path.dirname(target), made);
    renameSync(source, target);
    onStep();
  }
  for (const file of journal.seeds) {
    // link() never replaces: a seed that appeared meanwhile is kept.
    await link(resolveInside(staging, file), resolveInside(root, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST" && error.code !== "ENOENT") throw error;
    });
  }
  for (const file of journal.deletes) {
    const target = resolveInside(root, file);
    await unlink(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    onStep();
    await removeEmptyParents(root, path.dirname(target));
  }
  await unlink(path.join(root, JOURNAL_FILE));
  await rm(staging, { recursive: true, force: true });
}

/**
 * Renames a staged directory into a place where none is (or an empty one). False when it was
 * moved before a kill, or when something appeared there meanwhile: its files are then moved one
 * by one, as any other (a rename never replaces a directory with files in it).
 */
function moveDirectory(source: string, target: string, made: Set<string>): boolean {
  if (lstatSync(source, { throwIfNoEntry: false }) === undefined) return false;
  makeDirectory(path.dirname(target), made);
  try {
    renameSync(source, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") return false;
    throw error;
  }
}

/**
 * Finishes the commit of a generate that was killed after it (when the tree has a journal).
 *
 * @returns true when there was one to finish
 * @throws ArgusKustomizeError WRITE_FAILED when the journal is damaged
 */
export async function rollForward(root: string): Promise<boolean> {
  const text = await readIfExists(path.join(root, JOURNAL_FILE));
  if (text === undefined) return false;
  let journal: Journal;
  try {
    journal = JSON.parse(text) as Journal;
  } catch (error) {
    throw new ArgusKustomizeError("WRITE_FAILED", `${JOURNAL_FILE} is damaged; restore the tree from git and delete it`, { cause: error });
  }
  if (!journal.staging.startsWith(STAGING_PREFIX)) {
    throw new ArgusKustomizeError("WRITE_FAILED", `${JOURNAL_FILE} names an unexpected staging directory; restore the tree from git and delete it`);
  }
  await applyJournal(root, journal);
  return true;
}
