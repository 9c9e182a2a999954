import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { open, readdir, rmdir } from "node:fs/promises";
import path from "node:path";

/**
 * Writes a file that must not exist yet (`wx`), creating its directories; `made` remembers the
 * directories already created by this writer (a tree of 2,000 files has a few hundred).
 *
 * Synchronous: a tree is thousands of small files written one after another with nothing else to
 * do meanwhile, and each asynchronous write is three thread-pool round trips (open, write, close);
 * staging 2,223 files took 1.5 s that way, 0.4 s like this (the file system's own time).
 */
export function writeNew(file: string, text: string, mode = 0o644, made?: Set<string>): void {
  makeDirectory(path.dirname(file), made);
  writeFileSync(file, text, { flag: "wx", mode });
}

/** Creates `dir` and its parents unless `made` says this writer already did (then records it). */
export function makeDirectory(dir: string, made?: Set<string>): void {
  if (made?.has(dir) === true) return;
  mkdirSync(dir, { recursive: true });
  made?.add(dir);
}

/** Flushes files to disk, all at once: after a power loss the journal must not point at empty files. */
export async function syncFiles(files: readonly string[]): Promise<void> {
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

/**
 * Flushes `files`, all in `dir`'s file system, to disk before the journal points at them. On
 * Linux that is one syncfs(2) of the file system, through `sync -f` (coreutils and BusyBox have
 * it): 2,299 staged files took 0.19 to 0.29 s as an fsync each, 0.02 to 0.04 s so (measured).
 * Elsewhere, or when `sync -f` is missing or fails, an fsync per file (and for one file: its
 * fsync costs less than starting a process).
 */
export async function flushFiles(dir: string, files: readonly string[]): Promise<void> {
  if (process.platform === "linux" && files.length > 1 && (await syncFileSystem(dir))) return;
  await syncFiles(files);
}

/** `sync -f dir`: true when it ran and succeeded. */
function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("sync", ["-f", dir], (error) => resolve(error === null));
  });
}

/** Flushes a directory's entries (a rename is durable only once its directory is). */
export async function syncDirectory(dir: string): Promise<void> {
  await syncFiles([dir]);
}

/** Removes `dir` and its parents up to (not including) `root` while they are empty. */
export async function removeEmptyParents(root: string, dir: string): Promise<void> {
  let current = dir;
  while (current.startsWith(`${root}${path.sep}`)) {
    const entries = await readdir(current).catch(() => undefined);
    if (entries === undefined || entries.length > 0) return;
    await rmdir(current);
    current = path.dirname(current);
  }
}
