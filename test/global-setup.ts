/**
 * Runs once before any test file: tests must test the source, never a stale dist/. So the CLI is
 * rebuilt from src/ (tsc, then the esbuild bundle) while the whole project, type tests included
 * (test/types/*.types.ts with their @ts-expect-error lines), is type-checked beside it. A type
 * error or a failed build fails the run before a single test starts, whether it was started by
 * `npm test` or by `npx vitest run` alone.
 *
 * Each run also gets its own render cache: XDG_CACHE_HOME points at a fresh temporary directory
 * (removed afterwards) before the test workers start, so every test process, and every CLI they
 * spawn, caches there. A run never reads renders a previous run (or another checkout's run) left in
 * node_modules/.cache, and two runs at once do not share one.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

function run(script: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`${[script, ...args].join(" ")} failed before the tests:\n${stdout}${stderr}`));
    });
  });
}

/** The prefix of each run's cache directory, under the system's temporary directory. */
export const RUN_CACHE_PREFIX = "argusai-kustomize-test-cache-";

/**
 * Where the tests' temporary trees go: /dev/shm (memory) when the machine has it and the user set
 * no TMPDIR. Every generate flushes each file it writes to disk (fsync, so a power loss cannot
 * leave a journal pointing at empty files); the tests write thousands of trees they delete
 * minutes later, and on this machine's disk that cost about 10% of the suite's time (alternating
 * runs: 103 and 92 s on /tmp, 89 and 85 s on /dev/shm). The code paths are the same; only the
 * flushes are free. Like /tmp, it must be writable by everyone (tests run the CLI as nobody).
 */
function memoryTmpdir(): string | undefined {
  if (process.env["TMPDIR"] !== undefined) return undefined;
  try {
    const info = statSync("/dev/shm");
    // A directory anyone may write to, with the sticky bit, as /tmp is.
    return info.isDirectory() && (info.mode & 0o1777) === 0o1777 ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const memory = memoryTmpdir();
  if (memory !== undefined) process.env["TMPDIR"] = memory;
  const cacheHome = await mkdtemp(path.join(tmpdir(), RUN_CACHE_PREFIX));
  process.env["XDG_CACHE_HOME"] = cacheHome;
  const tsc = "node_modules/typescript/bin/tsc";
  // The type check remembers what it checked (node_modules/.cache): a second run checks only what
  // changed. The build does not: tsc's incremental build skips emitting into a deleted dist/.
  const checked = ["--incremental", "--tsBuildInfoFile", "node_modules/.cache/argusai-kustomize/typecheck.tsbuildinfo"];
  await Promise.all([
    run(tsc, ["--noEmit", ...checked, "-p", "tsconfig.json"]),
    // The build emits without checking types again (--noCheck: the same files, in half the CPU
    // time): the check beside it covers src/ and fails the run on any type error.
    run(tsc, ["-p", "tsconfig.build.json", "--noCheck"]).then(() => run("scripts/bundle.mjs", [])),
  ]);
  return () => rm(cacheHome, { recursive: true, force: true });
}
