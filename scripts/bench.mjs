#!/usr/bin/env node
// Times what users wait for, as whole CLI processes, for trees of N environment files plus dev
// and prod, and prints the table of docs/performance.md (with the plain kubectl loop, measured in
// the same run, as the baseline, and node's own start-up as the floor of every row).
// Run `npm run build` first.
//   npm run bench                           N = 2, 100, 500; median of 5 runs
//   BENCH_RUNS=1 BENCH_SIZES=100 npm run bench   a quick look
// Timings are wall clock of the whole process; CPU is user+sys of it and its children (on a
// shared machine, CPU is what a busy neighbour cannot inflate). Peak RSS is /usr/bin/time's %M
// (the largest process of the run) where /usr/bin/time exists.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { writeEnvironmentFiles } from "./bench-envs.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? "2,100,500").split(",").map(Number);
const kubectl = process.env.KUBECTL || "kubectl";
const cli = path.resolve("dist/bin/argusai-kustomize.js");
const TIME = "/usr/bin/time";
const work = mkdtempSync(path.join(tmpdir(), "argusai-bench-"));
const startLoad = loadavg()
  .map((load) => load.toFixed(1))
  .join(" ");

/** One run of `command args`: wall ms, CPU ms (user+sys incl. children), peak RSS KiB. */
function once(command, args, env = {}) {
  const start = process.hrtime.bigint();
  const useTime = existsSync(TIME);
  const result = spawnSync(useTime ? TIME : command, useTime ? ["-f", "%U %S %M", command, ...args] : args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  if (!useTime) return { wall, cpu: NaN, rss: NaN };
  const [user, system, rss] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { wall, cpu: (user + system) * 1000, rss };
}

/**
 * Removes what a timed run is to start without, and lets the file system finish with it first:
 * on this machine's ext4 (mounted with `discard`), the deletion of a 2,223-file tree is still
 * being written out when the next command starts, and slowed that command's own file creation
 * several times over (measured: staging 2,223 files took 1.3 s right after an `rm -rf`, 0.4 s
 * after a `sync`). A user's first generate does not follow a deletion of the same size.
 */
function removeAndSettle(...dirs) {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  spawnSync("sync");
}

/** Median of `runs` runs; `before` runs untimed before each (to set the scene); `warm` runs the command once untimed first. */
function measure(command, args, { env, before, warm } = {}) {
  const samples = [];
  if (warm === true) once(command, args, typeof env === "function" ? env() : env);
  for (let i = 0; i < runs; i += 1) {
    before?.();
    samples.push(once(command, args, typeof env === "function" ? env() : env));
  }
  const median = (key) => {
    const sorted = samples.map((sample) => sample[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  return { wall: median("wall"), cpu: median("cpu"), rss: Math.max(...samples.map((sample) => sample.rss)) };
}

const format = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const rows = [];
const row = (n, what, result, baseline) =>
  rows.push(
    `| ${n} | ${what} | ${format(result.wall)} | ${Number.isNaN(result.cpu) ? "?" : format(result.cpu)} | ${Number.isNaN(result.rss) ? "?" : `${(result.rss / 1024).toFixed(0)} MiB`} | ${baseline !== undefined ? `${(baseline.wall / result.wall).toFixed(1)}×` : ""} |`,
  );

try {
  const kubectlVersion = execFileSync(kubectl, ["version", "--client"], { encoding: "utf8" }).trim().split("\n").join(", ");
  // The floor: node starting and exiting, and the CLI's own start-up.
  row(0, "node -e 0 (node start-up: the floor of every row)", measure(process.execPath, ["-e", "0"]));
  row(0, "--help (start-up of the CLI)", measure(process.execPath, ["--", cli, "--help"]));
  {
    // base + dev + prod: the everyday run.
    const tree = path.join(work, "default");
    const cache = path.join(work, "cache-default");
    row(
      0,
      "generate base + dev + prod, empty dir, empty cache",
      measure(process.execPath, ["--", cli, "generate", "--dir", tree], {
        before: () => removeAndSettle(tree, cache),
        env: { XDG_CACHE_HOME: cache },
      }),
    );
    row(
      0,
      "generate base + dev + prod, unchanged tree",
      measure(process.execPath, ["--", cli, "generate", "--dir", tree], { env: { XDG_CACHE_HOME: cache }, warm: true }),
    );
    row(0, "check base + dev + prod", measure(process.execPath, ["--", cli, "check", "--dir", tree], { env: { XDG_CACHE_HOME: cache }, warm: true }));
  }
  for (const n of sizes) {
    const envFiles = writeEnvironmentFiles(path.join(work, `envs-${n}`), n);
    const tree = path.join(work, `tree-${n}`);
    const cache = path.join(work, `cache-${n}`);
    const env = { XDG_CACHE_HOME: cache };
    const generateArgs = ["--", cli, "generate", "--dir", tree, ...envFiles.flatMap((file) => ["-f", file])];
    const empty = measure(process.execPath, generateArgs, {
      env,
      before: () => removeAndSettle(tree, cache),
    });
    const overlays = readdirSync(path.join(tree, "overlays")).map((name) => path.join(tree, "overlays", name));
    const loop = measure("sh", ["-c", `for d in "$@"; do "${kubectl}" kustomize "$d" > /dev/null || exit 1; done`, "loop", ...overlays]);
    row(n, `generate into an empty dir, empty cache (renders + validates ${overlays.length})`, empty, loop);
    row(n, "generate on an unchanged tree (cache warm)", measure(process.execPath, ["--", cli, "generate", "--dir", tree], { env, warm: true }), loop);
    row(n, "generate on an unchanged tree --no-cache", measure(process.execPath, ["--", cli, "generate", "--dir", tree, "--no-cache"], { env }), loop);
    row(n, "validate (all, cache warm)", measure(process.execPath, ["--", cli, "validate", "--dir", tree], { env, warm: true }), loop);
    row(n, "validate (all) --no-cache", measure(process.execPath, ["--", cli, "validate", "--dir", tree, "--no-cache"], { env }), loop);
    row(n, "check (cache warm)", measure(process.execPath, ["--", cli, "check", "--dir", tree], { env, warm: true }));
    // A fresh CI runner: no cache at all.
    const coldCache = path.join(work, `cold-cache-${n}`);
    row(
      n,
      "check (no cache: a fresh CI runner)",
      measure(process.execPath, ["--", cli, "check", "--dir", tree], {
        env: { XDG_CACHE_HOME: coldCache },
        before: () => removeAndSettle(coldCache),
      }),
    );
    row(
      n,
      `plain shell loop of kubectl kustomize over the ${overlays.length} overlays (baseline; kustomize CPU per overlay ${format(loop.cpu / overlays.length)})`,
      loop,
    );
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  // The load average says how busy the machine was (a shared machine inflates wall times, and CPU less so).
  console.log(
    `median of ${runs} run(s), ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average at start ${startLoad} and end ${loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}; ${kubectlVersion}`,
  );
  console.log("");
  console.log("| N env files | command | wall (median) | CPU user+sys (median) | peak RSS | vs. kubectl loop |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const line of rows) console.log(line);
} finally {
  rmSync(work, { recursive: true, force: true });
}
