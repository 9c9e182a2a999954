import { existsSync, readdirSync, rmSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { isOsError, osAdvice } from "../os-errors.js";
import type { SeedFile } from "../kustomize/compile.js";
import { JOURNAL_FILE, resolveInside, STAGING_PREFIX } from "../tree/layout.js";
import { RECORD_FILE, readRecord } from "../tree/record.js";
import { readDiskFiles } from "../tree/disk-files.js";
import { isUnchanged, verifyInPlace } from "./unchanged.js";
import { flushFiles } from "./files.js";
import { stageInBackground, type Staged, type StagedFile } from "./staging.js";
import { applyJournal, journalDraft, rollForward, writeJournal, type Journal } from "./journal.js";
import { removeDeadLockFiles, withLock } from "./lock.js";
import { prepareRoot, refuseObstacles, refuseUnwritable, removeCreatedDirectories } from "./preflight.js";
import { holdTermination, onTermination } from "./signals.js";
import type { TreeContents } from "./planned-tree.js";

/*
 * How a tree is replaced without ever being left half-written:
 * 1. under a lock file (lock.ts: one generate at a time per tree; a gone holder's lock is taken over),
 * 2. the whole new tree is written to a staging directory inside the target (same filesystem)
 *    and verified there, after the pre-flight checks (preflight.ts); a failure up to here, or a
 *    SIGTERM/SIGINT (signals.ts), leaves the target exactly as it was,
 * 3. a journal listing every move and deletion is written atomically (journal.ts): from then on
 *    the new tree is committed,
 * 4. files are renamed into place and stale ones deleted, then the journal is removed.
 * A generate killed during step 4 leaves the journal; the next generate (or `recoverTree`) rolls
 * it forward before anything else, and `check` reports the tree as interrupted until then.
 */

/**
 * Files outside the tree that a generate changes as part of it (--set-image's environment files):
 * changed under the lock before the plan is made, and put back byte for byte when the generate
 * fails or is stopped (SIGINT, SIGTERM) before its new tree is committed.
 */
export interface TreeEdit {
  /** Makes the changes; returns their undo, synchronous (a signal handler cannot await). */
  readonly apply: () => Promise<() => void>;
}

/** Options of {@link writeTree}. */
export interface WriteTreeOptions<P extends TreeWrite = TreeWrite> {
  /** Changes to make under the lock before `plan`, undone unless the new tree is committed. */
  readonly edit?: TreeEdit;
  /**
   * Runs on the staged tree (and the plan it was written from) before anything in the target
   * changes; a throw leaves it untouched. It starts while the files are still being staged:
   * `staged` says when the ones it reads are on disk.
   */
  readonly verify?: (stagingDir: string, planned: P, staged: Staged) => Promise<void>;
  /**
   * Directories (tree-relative) whose files are staged last, one after another in this order,
   * after every other file: a verify can start on the first while the later ones are written.
   * @default none: every file in path order
   */
  readonly stagingOrder?: (planned: P) => readonly string[];
  /**
   * How long to wait for another generate on the same tree.
   * @default 60000
   */
  readonly lockTimeoutMs?: number;
  /**
   * Called at each write step, numbered from 1: each staged file (seeds included), the commit of
   * the journal, each directory or file moved and each deletion. The crash tests kill the process
   * in it to prove every step recoverable.
   * @internal
   */
  readonly onStep?: (step: number) => void;
}

/** What {@link writeTree} did, by tree-relative path. */
export interface WriteTreeResult {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly deleted: readonly string[];
  readonly seeded: readonly string[];
  /** Seeds of removed environments, left in place: generate never deletes secrets. */
  readonly kept: readonly string[];
}

/** What a generate writes: computed under the lock, from the tree as it then is. */
export interface TreeWrite {
  readonly contents: TreeContents;
  readonly seeds: readonly SeedFile[];
}

/**
 * Replaces the owned files of the tree in `dir` with what `plan` returns and creates missing
 * seeds, all or nothing (see the steps above). `plan` runs under the tree's lock, after any
 * interrupted generate was finished, so it reads the record as this run will replace it.
 * Files generate does not own are never overwritten or deleted; nor are seeds (secrets).
 * A SIGTERM or SIGINT meanwhile removes the staging directory (unless the journal is committed:
 * it is kept for the roll-forward), releases the lock and exits with 143 or 130.
 *
 * @throws ArgusKustomizeError WRITE_FAILED when `dir` cannot be written, a file of yours or a link is in the way, or another generate holds the lock too long
 */
export async function writeTree<P extends TreeWrite>(dir: string, plan: () => Promise<P>, options: WriteTreeOptions<P> = {}): Promise<WriteTreeResult> {
  const root = path.resolve(dir);
  let steps = 0;
  const step = (): void => {
    steps += 1;
    options.onStep?.(steps);
  };
  const createdRoot = await prepareRoot(root);
  let stage: "prepare" | "recover" | "committed" = "prepare";
  try {
    return await withLock(root, options.lockTimeoutMs ?? 60_000, async () => {
      const forget = onTermination(() => abandonSync(root));
      // Once the journal is committed (or nothing needed writing) the edits belong to the new tree.
      let undoEdit: (() => void) | undefined;
      let kept = false;
      const journalFile = path.join(root, JOURNAL_FILE);
      const forgetEdit = onTermination(() => {
        if (!kept && stage !== "committed" && !existsSync(journalFile)) undoEdit?.();
      });
      try {
        stage = "recover";
        await rollForward(root);
        stage = "prepare";
        await removeLeftovers(root);
        if (options.edit !== undefined) undoEdit = await options.edit.apply();
        const planned = await plan();
        const { contents, seeds } = planned;
        const record = await readRecord(root);
        const owned = new Set(record.files);
        await refuseObstacles(root, contents, seeds, owned);
        // Read under the lock, once: what is there now is what this run replaces (a directory
        // where an owned file or a seed was is an error here, before anything is staged).
        const disk = readDiskFiles(root, [...contents.keys(), ...owned, ...seeds.map((seed) => seed.path), ...record.seeds], "throw");
        const keptSeeds = record.seeds.filter((file) => !seeds.some((seed) => seed.path === file));
        const keptOf = () => keptSeeds.filter((file) => disk.get(file) !== undefined);
        if (isUnchanged(disk, contents, seeds, record)) {
          const verified = await verifyInPlace(root, planned, options.verify);
          if (verified) {
            // Nothing needed writing: an edit (--set-image's) belongs to the tree as it is.
            kept = true;
            return { written: [], unchanged: [...contents.keys()], deleted: [], seeded: [], kept: keptOf() };
          }
        }

        const staging = await mkdtemp(path.join(root, STAGING_PREFIX));
        try {
          // Should a crash leave it behind until the next generate, git ignores all of it.
          const ignoreAll = new Map([[".gitignore", "*\n"]]);
          for (const [file, text] of ignoreAll) await writeFile(path.join(staging, file), text);
          const files: StagedFile[] = [...contents].map(([file, text]) => ({ file, text, mode: 0o644 }));
          const seedsToCreate: string[] = [];
          for (const seed of seeds) {
            const existing = disk.get(seed.path);
            if (existing === undefined) seedsToCreate.push(seed.path);
            // Secrets: readable by the owner only.
            files.push({ file: seed.path, text: existing ?? seed.create(), mode: 0o600 });
          }
          const staged = stageInBackground(staging, files, options.stagingOrder?.(planned) ?? [], step, ignoreAll);
          try {
            await options.verify?.(staging, planned, staged);
            await staged.done;
          } catch (error) {
            // Nothing is written into the staging directory once it is being removed.
            staged.stop();
            await staged.done.catch(() => undefined);
            throw error;
          }

          const written: string[] = [];
          const unchanged: string[] = [];
          for (const [file, text] of contents) {
            if (disk.get(file) === text) unchanged.push(file);
            else written.push(file);
          }
          // Seeds hold secrets and may be yours: never deleted. Their .gitignore stays with them.
          const keptWithSeeds = new Set(keptSeeds.map((file) => `${file.slice(0, file.lastIndexOf("/") + 1)}.gitignore`));
          const seedPaths = new Set([...record.seeds, ...seeds.map((seed) => seed.path)]);
          const deleted: string[] = [];
          for (const file of [...owned].sort()) {
            if (contents.has(file) || keptWithSeeds.has(file) || seedPaths.has(file)) continue;
            if (disk.get(file) !== undefined) deleted.push(file);
          }
          // The record moves last: until it lands, the old record still lists every owned file.
          const moves = [...written.filter((file) => file !== RECORD_FILE), ...written.filter((file) => file === RECORD_FILE)];
          // (A deleted file's directories exist: the new ones hold moves and seeds only.)
          const newDirectories = await refuseUnwritable(root, [...moves, ...seedsToCreate, ...deleted]);
          const journal: Journal = {
            staging: path.basename(staging),
            directories: newDirectories,
            moves,
            seeds: seedsToCreate,
            deletes: deleted,
          };
          if (moves.length + seedsToCreate.length + deleted.length > 0) {
            await flushFiles(
              staging,
              [...moves, ...seedsToCreate].map((file) => resolveInside(staging, file)),
            );
            // From the commit until every file is in place a SIGINT or SIGTERM waits (renames
            // only): the tree is left whole, not for the next generate to roll forward.
            const release = holdTermination();
            try {
              await writeJournal(root, journal);
              stage = "committed";
              kept = true;
              step();
              await applyJournal(root, journal, step);
            } finally {
              release();
            }
          }
          kept = true;
          return { written, unchanged, deleted, seeded: seedsToCreate, kept: keptOf() };
        } finally {
          if (stage !== "committed") await rm(staging, { recursive: true, force: true });
        }
      } catch (error) {
        if (!kept && stage !== "committed") undoEdit?.();
        throw error;
      } finally {
        forgetEdit();
        forget();
      }
    });
  } catch (error) {
    if (stage === "prepare" && createdRoot !== undefined) await removeCreatedDirectories(root, createdRoot);
    // Only what the operating system refused is a write failure; anything else (a policy that
    // crashed, a bug) goes up as it is, never as "nothing was changed" about the disk.
    if (!isOsError(error)) throw error;
    const advice = {
      prepare: "; nothing was changed",
      recover: `; an interrupted generate left ${JOURNAL_FILE} and it could not be finished: fix the cause and run generate again`,
      committed: "; the new tree is committed: fix the cause and run generate again to finish putting it in place",
    }[stage];
    throw new ArgusKustomizeError("WRITE_FAILED", `cannot write the tree in ${root}: ${error.message} (${osAdvice(error)})${advice}`, { cause: error });
  }
}

/**
 * Finishes a generate that was killed after committing its tree (rolls its journal forward) and
 * removes what killed generates left behind (staging directories, a dead process's lock).
 *
 * @returns true when an interrupted generate was finished
 */
export async function recoverTree(dir: string, lockTimeoutMs = 60_000): Promise<boolean> {
  const root = path.resolve(dir);
  return withLock(root, lockTimeoutMs, async () => {
    const finished = await rollForward(root);
    await removeLeftovers(root);
    return finished;
  });
}

/** Removes, under the lock, what killed generates left: staging directories, journal drafts, lock files. */
async function removeLeftovers(root: string): Promise<void> {
  for (const entry of await readdir(root)) {
    if (entry.startsWith(STAGING_PREFIX)) await rm(path.join(root, entry), { recursive: true, force: true });
    else if (entry.startsWith(`${JOURNAL_FILE}.`) && entry.endsWith(".tmp")) await rm(path.join(root, entry), { force: true });
  }
  await removeDeadLockFiles(root);
}

/**
 * What a SIGTERM or SIGINT under the lock undoes, synchronously: the staging directory and the
 * journal draft. With a committed journal on disk (this run's, or an interrupted one's being
 * rolled forward) its staging directory holds the new tree: both stay for the next generate.
 */
function abandonSync(root: string): void {
  rmSync(path.join(root, journalDraft()), { force: true });
  if (existsSync(path.join(root, JOURNAL_FILE))) return;
  // Only the lock's holder creates staging directories, and this process holds it.
  for (const entry of readdirSync(root)) {
    if (entry.startsWith(STAGING_PREFIX)) rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}
