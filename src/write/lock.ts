import { lstatSync, readFileSync, unlinkSync } from "node:fs";
import { link, lstat, readdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { LOCK_FILE, readIfExists } from "../tree/layout.js";
import { onTermination } from "./signals.js";

/*
 * One generate at a time per tree: the lock file `.argusai-kustomize.lock` holds
 * `pid host start-time token` of its holder. It appears complete: each generate writes a candidate
 * beside it (`.argusai-kustomize.lock.PID.START.TOKEN`) and link()s it into place, so a waiter
 * never reads a half-written lock. Leftover candidates of killed generates are judged by their
 * name alone (its pid and start time), never by their contents: a candidate that is still being
 * written is empty, and reading that as "stale" once made one generate delete another's candidate
 * before it could be linked (ENOENT, about one concurrent run in six).
 */

/** This process's start time, read once: it is part of every lock and candidate name. */
const OWN_START = processStartTime(process.pid) ?? "?";
/** Tokens of the locks this process holds or is acquiring: several writeTree calls may run at once. */
const ownTokens = new Set<string>();

/**
 * Runs `work` holding the lock of the tree in `root`, waiting up to `timeoutMs` for another
 * generate, and taking over the lock of a generate that is gone. A SIGTERM or SIGINT while here
 * releases the lock (after any cleanup `work` registered with {@link onTermination}).
 *
 * @throws ArgusKustomizeError WRITE_FAILED when another generate holds the lock longer than `timeoutMs`
 */
export async function withLock<T>(root: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const lock = path.join(root, LOCK_FILE);
  const token = randomBytes(6).toString("hex");
  const mine = path.join(root, `${LOCK_FILE}.${process.pid}.${OWN_START}.${token}`);
  ownTokens.add(token);
  const forget = onTermination(() => releaseSync(lock, mine));
  try {
    await writeFile(mine, `${process.pid} ${hostname()} ${OWN_START} ${token}\n`);
    const deadline = Date.now() + timeoutMs;
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
          `another generate (${holderShown(holder)}) is writing ${root}; waited ${Math.round(timeoutMs / 1000)} s for ${LOCK_FILE}. ` +
            `If no generate is running (a crash on another machine or container), delete ${lock}`,
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
    forget();
    ownTokens.delete(token);
  }
}

/** The same release as at the end of {@link withLock}, for a signal handler (which cannot await). */
function releaseSync(lock: string, mine: string): void {
  const stat = (file: string) => {
    try {
      return lstatSync(file);
    } catch {
      return undefined;
    }
  };
  const [held, ours] = [stat(lock), stat(mine)];
  for (const file of held !== undefined && ours !== undefined && held.ino === ours.ino ? [lock, mine] : [mine]) {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
}

/** The holder as a person reads it: pid, host, start time (the token only tells this process's locks apart). */
function holderShown(holder: string | undefined): string {
  return (holder ?? "").trim().split(/\s+/).slice(0, 3).join(" ") || "unknown holder";
}

/**
 * Removes lock candidates and set-aside locks left by generates that are gone. Each is judged by
 * the pid and start time in its name; a live process's file (one still being written included)
 * is never taken.
 */
export async function removeDeadLockFiles(root: string): Promise<void> {
  const prefix = `${LOCK_FILE}.`;
  for (const entry of await readdir(root)) {
    if (!entry.startsWith(prefix)) continue;
    const [pidText, startTime] = entry.slice(prefix.length).split(".");
    // Names of older versions (`.lock.PID.RANDOM`) carry no start time: judged by the pid alone.
    const known = startTime !== undefined && /^(\d+|\?)$/.test(startTime) ? startTime : undefined;
    if (processIsGone(Number.parseInt(pidText ?? "", 10), known)) await rm(path.join(root, entry), { force: true });
  }
}

/**
 * Whether a lock's holder is gone: its pid is not running, runs a different process than the one
 * that took the lock, or is this process without holding that lock (a pid reused in a new
 * container or PID namespace). A holder on another host cannot be checked and counts as alive.
 */
function isStale(text: string): boolean {
  const [pidText, host, startTime, token] = text.trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? "", 10);
  if (host !== undefined && host !== hostname()) return false;
  if (pid === process.pid) return token === undefined || !ownTokens.has(token);
  return processIsGone(pid, startTime);
}

/** Whether `pid` is not (or no longer) the process that started at `startTime` ("?" or absent: unknown). */
function processIsGone(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return startTime !== undefined && startTime !== "?" && OWN_START !== "?" && startTime !== OWN_START;
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
  // Named like a candidate of this process, so only this process's end makes it a leftover.
  const aside = `${lock}.${process.pid}.${OWN_START}.stale-${randomBytes(4).toString("hex")}`;
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
