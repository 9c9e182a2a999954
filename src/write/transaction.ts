import { constants as fsConstants } from "node:fs";
import { access, link, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import type { SeedFile } from "../kustomize/compile.js";
import { JOURNAL_FILE, LOCK_FILE, readIfExists, resolveInside, STAGING_PREFIX } from "./layout.js";
import { RECORD_FILE, readRecord } from "./record.js";
import type { TreeContents } from "./tree.js";

/*
 * How a tree is replaced without ever being left half-written:
 * 1. under a lock file (one generate at a time per tree; a crashed holder's lock is taken over),
 * 2. the whole new tree is written to a staging directory inside the target (same filesystem)
 *    and verified there; a failure up to here leaves the target exactly as it was,
 * 3. a journal listing every move and deletion is written atomically: from then on the new tree
 *    is committed,
 * 4. files are renamed into place and stale ones deleted, then the journal is removed.
 * A generate killed during step 4 leaves the journal; the next generate (or `recoverTree`) rolls
 * it forward before anything else, and `check` reports the tree as interrupted until then.
 */

/** Options of {@link writeTree}. */
export interface WriteTreeOptions {
  /** Runs on the staged tree before anything in the target changes; a throw leaves it untouched. */
  readonly verify?: (stagingDir: string) => Promise<void>;
  /**
   * How long to wait for another generate on the same tree.
   * @default 60000
   */
  readonly lockTimeoutMs?: number;
}

/** What {@link writeTree} did, by tree-relative path. */
export interface WriteTreeResult {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly deleted: readonly string[];
  readonly seeded: readonly string[];
}

interface Journal {
  readonly staging: string;
  readonly moves: readonly string[];
  readonly seeds: readonly string[];
  readonly deletes: readonly string[];
}

/**
 * Replaces the owned files of the tree in `dir` with `contents` and creates missing `seeds`, all
 * or nothing (see the steps above). Files generate does not own are never overwritten or deleted.
 *
 * @throws ArgusKustomizeError WRITE_FAILED when `dir` cannot be written, a file of yours is in the way, or another generate holds the lock too long
 */
export async function writeTree(dir: string, contents: TreeContents, seeds: readonly SeedFile[], options: WriteTreeOptions = {}): Promise<WriteTreeResult> {
  const root = path.resolve(dir);
  const createdRoot = await prepareRoot(root);
  let committed = false;
  try {
    return await withLock(root, options.lockTimeoutMs ?? 60_000, async () => {
      await rollForward(root);
      await removeStaleStaging(root);
      const record = await readRecord(root);
      await refuseObstacles(root, contents, seeds, new Set(record.files));

      const staging = await mkdtemp(path.join(root, STAGING_PREFIX));
      try {
        for (const [file, text] of contents) {
          await writeNew(resolveInside(staging, file), text);
          faultPoint();
        }
        const seedsToCreate: string[] = [];
        for (const seed of seeds) {
          const existing = await readIfExists(resolveInside(root, seed.path));
          if (existing === undefined) seedsToCreate.push(seed.path);
          // Secrets: readable by the owner only.
          await writeNew(resolveInside(staging, seed.path), existing ?? seed.create(), 0o600);
        }
        await options.verify?.(staging);

        const written: string[] = [];
        const unchanged: string[] = [];
        for (const [file, text] of contents) {
          if ((await readIfExists(resolveInside(root, file))) === text) unchanged.push(file);
          else written.push(file);
        }
        const keep = new Set([...contents.keys(), ...seeds.map((seed) => seed.path)]);
        const deleted: string[] = [];
        for (const file of [...record.files, ...record.seeds].sort()) {
          if (!keep.has(file) && (await readIfExists(resolveInside(root, file))) !== undefined) deleted.push(file);
        }
        // The record moves last: until it lands, the old record still lists every owned file.
        const moves = [...written.filter((file) => file !== RECORD_FILE), ...written.filter((file) => file === RECORD_FILE)];
        const journal: Journal = { staging: path.basename(staging), moves, seeds: seedsToCreate, deletes: deleted };

        await writeJournal(root, journal);
        committed = true;
        faultPoint();
        await applyJournal(root, journal);
        return { written, unchanged, deleted, seeded: seedsToCreate };
      } finally {
        if (!committed) await rm(staging, { recursive: true, force: true });
      }
    });
  } catch (error) {
    if (!committed && createdRoot !== undefined) await rm(createdRoot, { recursive: true, force: true });
    if (error instanceof ArgusKustomizeError) throw error;
    const advice = committed ? "; the new tree is committed: run generate again to finish putting it in place" : "; nothing was changed";
    throw new ArgusKustomizeError("WRITE_FAILED", `cannot write the tree in ${root}: ${(error as Error).message}${advice}`, { cause: error });
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
    await removeStaleStaging(root);
    return finished;
  });
}

/** Creates `root` if missing (returning the first directory created) and checks it is writable. */
async function prepareRoot(root: string): Promise<string | undefined> {
  try {
    const created = await mkdir(root, { recursive: true });
    await access(root, fsConstants.W_OK);
    return created;
  } catch (error) {
    throw new ArgusKustomizeError("WRITE_FAILED", `the target directory ${root} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
    });
  }
}

async function withLock<T>(root: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const lock = path.join(root, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lock, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt((await readIfExists(lock)) ?? "", 10);
    if (!Number.isInteger(holder) || !isAlive(holder)) {
      // The holder was killed: its lock is stale. (Two generates breaking the same stale lock at
      // the same instant is the one race left; it needs a crash first.)
      await unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ArgusKustomizeError("WRITE_FAILED", `another generate (pid ${holder}) is writing ${root}; waited ${Math.round(timeoutMs / 1000)} s for its lock ${LOCK_FILE}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Refuses, before anything is written, every case that would make a move fail halfway. */
async function refuseObstacles(root: string, contents: TreeContents, seeds: readonly SeedFile[], owned: ReadonlySet<string>): Promise<void> {
  const checkedParents = new Set<string>();
  for (const file of [...contents.keys(), ...seeds.map((seed) => seed.path)]) {
    const parts = file.split("/");
    for (let depth = 1; depth < parts.length; depth += 1) {
      const parent = parts.slice(0, depth).join("/");
      if (checkedParents.has(parent)) continue;
      checkedParents.add(parent);
      const info = await stat(resolveInside(root, parent)).catch(() => undefined);
      if (info !== undefined && !info.isDirectory()) {
        throw new ArgusKustomizeError("WRITE_FAILED", `${parent} is a file, but generate needs a directory there (for ${file}); move it away`, { location: { file: parent } });
      }
    }
    const info = await stat(resolveInside(root, file)).catch(() => undefined);
    if (info === undefined) continue;
    if (!info.isFile()) {
      throw new ArgusKustomizeError("WRITE_FAILED", `${file} is in the way (not a regular file); move it away`, { location: { file } });
    }
    const text = contents.get(file);
    if (text !== undefined && !owned.has(file) && file !== RECORD_FILE && (await readFile(resolveInside(root, file), "utf8")) !== text) {
      throw new ArgusKustomizeError("WRITE_FAILED", `${file} exists and was not written by argusai-kustomize; move it away or delete it, generate will not overwrite your files`, {
        location: { file },
      });
    }
  }
}

async function writeJournal(root: string, journal: Journal): Promise<void> {
  const temporary = path.join(root, `${JOURNAL_FILE}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(journal)}\n`);
  await rename(temporary, path.join(root, JOURNAL_FILE));
}

/** Puts every file of a committed journal in place. Idempotent: a rerun after a kill finishes it. */
async function applyJournal(root: string, journal: Journal): Promise<void> {
  const staging = resolveInside(root, journal.staging);
  for (const file of journal.moves) {
    const source = resolveInside(staging, file);
    if ((await readIfExists(source)) === undefined) continue; // moved before the kill
    const target = resolveInside(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(source, target);
    faultPoint();
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
    faultPoint();
    await removeEmptyParents(root, path.dirname(target));
  }
  await unlink(path.join(root, JOURNAL_FILE));
  await rm(staging, { recursive: true, force: true });
}

async function rollForward(root: string): Promise<boolean> {
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

async function removeStaleStaging(root: string): Promise<void> {
  for (const entry of await readdir(root)) {
    if (entry.startsWith(STAGING_PREFIX)) await rm(path.join(root, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(root)) {
    if (entry.startsWith(`${JOURNAL_FILE}.`) && entry.endsWith(".tmp")) await rm(path.join(root, entry), { force: true });
  }
}

async function writeNew(file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { flag: "wx", mode });
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  let current = dir;
  while (current.startsWith(`${root}${path.sep}`)) {
    const entries = await readdir(current).catch(() => undefined);
    if (entries === undefined || entries.length > 0) return;
    await rmdir(current);
    current = path.dirname(current);
  }
}

/**
 * Test seam for the crash tests: with ARGUSAI_KUSTOMIZE_KILL_AT=N set, the process SIGKILLs
 * itself at the N-th step of writing (each staged file, the journal, each move and deletion).
 */
let faultSteps = 0;
const killAt = Number.parseInt(process.env["ARGUSAI_KUSTOMIZE_KILL_AT"] ?? "", 10);
function faultPoint(): void {
  faultSteps += 1;
  if (faultSteps === killAt) process.kill(process.pid, "SIGKILL");
}
