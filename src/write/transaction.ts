import { constants as fsConstants, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { access, link, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import type { SeedFile } from "../kustomize/compile.js";
import { JOURNAL_FILE, LOCK_FILE, readIfExists, resolveInside, STAGING_PREFIX } from "../tree/layout.js";
import { RECORD_FILE, readRecord } from "../tree/record.js";
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
export interface WriteTreeOptions<P extends TreeWrite = TreeWrite> {
  /** Runs on the staged tree (and the plan it was written from) before anything in the target changes; a throw leaves it untouched. */
  readonly verify?: (stagingDir: string, planned: P) => Promise<void>;
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
  /** Seeds of removed environments, left in place: generate never deletes secrets. */
  readonly kept: readonly string[];
}

interface Journal {
  readonly staging: string;
  readonly moves: readonly string[];
  readonly seeds: readonly string[];
  readonly deletes: readonly string[];
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
 *
 * @throws ArgusKustomizeError WRITE_FAILED when `dir` cannot be written, a file of yours or a link is in the way, or another generate holds the lock too long
 */
export async function writeTree<P extends TreeWrite>(dir: string, plan: () => Promise<P>, options: WriteTreeOptions<P> = {}): Promise<WriteTreeResult> {
  const root = path.resolve(dir);
  const createdRoot = await prepareRoot(root);
  let stage: "prepare" | "recover" | "committed" = "prepare";
  try {
    return await withLock(root, options.lockTimeoutMs ?? 60_000, async () => {
      stage = "recover";
      await rollForward(root);
      stage = "prepare";
      await removeStaleStaging(root);
      const planned = await plan();
      const { contents, seeds } = planned;
      const record = await readRecord(root);
      const owned = new Set(record.files);
      await refuseObstacles(root, contents, seeds, owned);

      const staging = await mkdtemp(path.join(root, STAGING_PREFIX));
      try {
        // Should a crash leave it behind until the next generate, git ignores all of it.
        await writeFile(path.join(staging, ".gitignore"), "*\n");
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
        await options.verify?.(staging, planned);

        const written: string[] = [];
        const unchanged: string[] = [];
        for (const [file, text] of contents) {
          if ((await readIfExists(resolveInside(root, file))) === text) unchanged.push(file);
          else written.push(file);
        }
        // Seeds hold secrets and may be yours: never deleted. Their .gitignore stays with them.
        const keptSeeds = record.seeds.filter((file) => !seeds.some((seed) => seed.path === file));
        const keptWithSeeds = new Set(keptSeeds.map((file) => `${file.slice(0, file.lastIndexOf("/") + 1)}.gitignore`));
        const seedPaths = new Set([...record.seeds, ...seeds.map((seed) => seed.path)]);
        const deleted: string[] = [];
        for (const file of [...owned].sort()) {
          if (contents.has(file) || keptWithSeeds.has(file) || seedPaths.has(file)) continue;
          if ((await readIfExists(resolveInside(root, file))) !== undefined) deleted.push(file);
        }
        // The record moves last: until it lands, the old record still lists every owned file.
        const moves = [...written.filter((file) => file !== RECORD_FILE), ...written.filter((file) => file === RECORD_FILE)];
        await refuseUnwritable(root, [...moves, ...seedsToCreate, ...deleted]);
        const journal: Journal = { staging: path.basename(staging), moves, seeds: seedsToCreate, deletes: deleted };
        if (moves.length + seedsToCreate.length + deleted.length > 0) {
          await syncFiles([...moves, ...seedsToCreate].map((file) => resolveInside(staging, file)));
          await writeJournal(root, journal);
          stage = "committed";
          faultPoint();
          await applyJournal(root, journal);
        }
        const kept = (await Promise.all(keptSeeds.map(async (file) => ((await readIfExists(resolveInside(root, file))) !== undefined ? [file] : [])))).flat();
        return { written, unchanged, deleted, seeded: seedsToCreate, kept };
      } finally {
        if (stage !== "committed") await rm(staging, { recursive: true, force: true });
      }
    });
  } catch (error) {
    if (stage === "prepare" && createdRoot !== undefined) await removeCreatedDirectories(root, createdRoot);
    if (error instanceof ArgusKustomizeError) throw error;
    const advice = {
      prepare: "; nothing was changed",
      recover: `; an interrupted generate left ${JOURNAL_FILE} and it could not be finished: fix the cause and run generate again`,
      committed: "; the new tree is committed: fix the cause and run generate again to finish putting it in place",
    }[stage];
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

/**
 * Removes the directories a failed first generate created, deepest first, stopping at the first
 * that is not empty: another generate may have written into a shared parent meanwhile.
 */
async function removeCreatedDirectories(root: string, createdRoot: string): Promise<void> {
  for (let dir = root; dir.startsWith(createdRoot); dir = path.dirname(dir)) {
    if (!(await rmdir(dir).then(() => true, () => false))) return;
    if (dir === createdRoot) return;
  }
}

/** Creates `root` if missing (returning the first directory created) and checks it is writable. */
async function prepareRoot(root: string): Promise<string | undefined> {
  const info = await lstat(root).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    throw new ArgusKustomizeError("WRITE_FAILED", `${root} is ${info.isSymbolicLink() ? "a symbolic link" : "a file"}, not a directory; give a directory with --dir`, {
      location: { file: root },
    });
  }
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
  // The lock appears with its holder already in it (written aside, then linked into place), so a
  // waiter never sees an empty lock it could mistake for a stale one.
  const mine = path.join(root, `${LOCK_FILE}.${process.pid}.${randomBytes(4).toString("hex")}`);
  await writeFile(mine, lockText(process.pid));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await link(mine, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await readIfExists(lock);
      if (holder !== undefined && isStale(holder)) {
        await breakStaleLock(lock, holder);
        continue;
      }
      if (Date.now() > deadline) {
        throw new ArgusKustomizeError(
          "WRITE_FAILED",
          `another generate (${(holder ?? "").trim() || "unknown holder"}) is writing ${root}; waited ${Math.round(timeoutMs / 1000)} s for ${LOCK_FILE}. ` +
            `If no generate is running (a crash on another machine or container), delete ${path.join(root, LOCK_FILE)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return await work();
  } finally {
    // Release only our own lock: the same inode as the file we linked in.
    const [held, ours] = await Promise.all([lstat(lock).catch(() => undefined), lstat(mine).catch(() => undefined)]);
    if (held !== undefined && ours !== undefined && held.ino === ours.ino) await unlink(lock).catch(() => undefined);
    await unlink(mine).catch(() => undefined);
  }
}

/** `pid host start-time`: enough to tell a live holder from a dead one whose pid was reused. */
function lockText(pid: number): string {
  return `${pid} ${hostname()} ${processStartTime(pid) ?? "?"}\n`;
}

/**
 * Whether a lock's holder is gone: its pid is not running, is this process (a pid reused in a
 * new container or PID namespace), or runs a different process than the one that took the lock.
 * A holder on another host cannot be checked and counts as alive; so does an unreadable lock's
 * writer only when it could still be writing (never: locks appear complete).
 */
function isStale(text: string): boolean {
  const [pidText, host, startTime] = text.trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (host !== undefined && host !== hostname()) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return true;
  }
  const now = processStartTime(pid);
  return startTime !== undefined && startTime !== "?" && now !== undefined && now !== startTime;
}

/** The start time of a process (Linux /proc, in clock ticks since boot), if it can be read. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, counted after the ")" that ends the command name (which may hold spaces).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes the lock of a process that is gone. It is renamed aside first and checked: if another
 * generate took the lock over in between, its lock is put back.
 */
async function breakStaleLock(lock: string, staleText: string): Promise<void> {
  const aside = `${lock}.${process.pid}.stale-${randomBytes(4).toString("hex")}`;
  try {
    await rename(lock, aside);
  } catch {
    return; // gone already: someone else broke it
  }
  const taken = await readIfExists(aside);
  if (taken !== undefined && taken !== staleText && !isStale(taken)) {
    await link(aside, lock).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/** Refuses, before anything is written, every case that would make a move fail halfway. */
async function refuseObstacles(root: string, contents: TreeContents, seeds: readonly SeedFile[], owned: ReadonlySet<string>): Promise<void> {
  const files = [...contents.keys(), ...seeds.map((seed) => seed.path)];
  await refuseBadParents(root, files);
  for (const file of files) {
    const info = await lstat(resolveInside(root, file)).catch(() => undefined);
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

/**
 * Refuses a path whose directories include a symbolic link (a write or deletion could land
 * outside the tree) or a file (the move would fail halfway). Each directory is checked once.
 */
async function refuseBadParents(root: string, files: readonly string[]): Promise<void> {
  const checked = new Set<string>();
  for (const file of files) {
    const parts = file.split("/");
    for (let depth = 1; depth < parts.length; depth += 1) {
      const parent = parts.slice(0, depth).join("/");
      if (checked.has(parent)) continue;
      checked.add(parent);
      const info = await lstat(resolveInside(root, parent)).catch(() => undefined);
      if (info?.isSymbolicLink() === true) {
        throw new ArgusKustomizeError("WRITE_FAILED", `${parent} is a symbolic link; generate does not write through links, nor delete (it could land outside the tree)`, {
          location: { file: parent },
        });
      }
      if (info !== undefined && !info.isDirectory()) {
        throw new ArgusKustomizeError("WRITE_FAILED", `${parent} is a file, but generate needs a directory there (for ${file}); move it away`, { location: { file: parent } });
      }
    }
  }
}

/**
 * Refuses, before the commit, a move or deletion into a directory this process cannot write
 * (a read-only overlay would otherwise fail the swap halfway), and any path through a link.
 */
async function refuseUnwritable(root: string, files: readonly string[]): Promise<void> {
  await refuseBadParents(root, files);
  const checked = new Set<string>();
  for (const file of files) {
    // The nearest existing directory receives the file (or the directories leading to it).
    let dir = path.dirname(resolveInside(root, file));
    while (!(await exists(dir))) dir = path.dirname(dir);
    if (checked.has(dir)) continue;
    checked.add(dir);
    try {
      await access(dir, fsConstants.W_OK);
    } catch (error) {
      const shown = path.relative(root, dir) || ".";
      throw new ArgusKustomizeError("WRITE_FAILED", `${shown} is not writable (${(error as NodeJS.ErrnoException).code ?? "?"}), and generate must change ${file} there; nothing was changed`, {
        cause: error,
        location: { file },
      });
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

async function writeJournal(root: string, journal: Journal): Promise<void> {
  const temporary = path.join(root, `${JOURNAL_FILE}.${process.pid}.tmp`);
  await rm(temporary, { force: true });
  await writeNew(temporary, `${JSON.stringify(journal)}\n`);
  await syncFiles([temporary]);
  await rename(temporary, path.join(root, JOURNAL_FILE));
  await syncDirectory(root);
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
    const file = path.join(root, entry);
    if (entry.startsWith(STAGING_PREFIX)) await rm(file, { recursive: true, force: true });
    else if (entry.startsWith(`${JOURNAL_FILE}.`) && entry.endsWith(".tmp")) await rm(file, { force: true });
    else if (entry.startsWith(`${LOCK_FILE}.`) && !entry.startsWith(`${LOCK_FILE}.${process.pid}.`)) {
      // Lock candidates (and set-aside locks) of processes that are gone; ours carries our pid.
      const holder = await readIfExists(file);
      if (holder === undefined || isStale(holder)) await rm(file, { force: true });
    }
  }
}

async function writeNew(file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { flag: "wx", mode });
}

/** Flushes files to disk, all at once: after a power loss the journal must not point at empty files. */
async function syncFiles(files: readonly string[]): Promise<void> {
  await Promise.all(
    files.map(async (file) => {
      const handle = await open(file, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }),
  );
}

/** Flushes a directory's entries (a rename is durable only once its directory is). */
async function syncDirectory(dir: string): Promise<void> {
  await syncFiles([dir]);
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
