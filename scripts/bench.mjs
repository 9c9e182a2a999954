#!/usr/bin/env node
// Times what users wait for, as whole CLI processes, for trees of N environment files plus dev
// and prod, and prints the table of issue 10 (with the plain kubectl loop as the baseline).
// Run `npm run build` first.
//   npm run bench                           N = 2, 100, 500; median of 5 runs
//   BENCH_RUNS=1 BENCH_SIZES=100 npm run bench   a quick look
// Timings are wall clock of the whole process; CPU is user+sys of it and its children (on a
// shared machine, CPU is what a busy neighbour cannot inflate). Peak RSS is /usr/bin/time's %M
// (the largest process of the run) where /usr/bin/time exists.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { writeEnvironmentFiles } from "./bench-envs.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? "2,100,500").split(",").map(Number);
const kubectl = process.env.KUBECTL || "kubectl";
const cli = path.resolve("dist/bin/argusai-kustomize.js");
const TIME = "/usr/bin/time";
const work = mkdtempSync(path.join(tmpdir(), "argusai-bench-"));

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

/** Median of `runs` runs; `before` runs untimed before each (to set the scene). */
function measure(command, args, { env, before } = {}) {
  const samples = [];
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
  rows.push(`| ${n} | ${what} | ${format(result.wall)} | ${Number.isNaN(result.cpu) ? "?" : format(result.cpu)} | ${Number.isNaN(result.rss) ? "?" : `${(result.rss / 1024).toFixed(0)} MiB`} | ${baseline !== undefined ? `${(baseline.wall / result.wall).toFixed(1)}×` : ""} |`);

try {
  const kubectlVersion = execFileSync(kubectl, ["version", "--client"], { encoding: "utf8" }).trim().split("\n").join(", ");
  {
    // base + dev + prod: the everyday run.
    const tree = path.join(work, "default");
    const cache = path.join(work, "cache-default");
    row(0, "generate base + dev + prod, empty dir, empty cache", measure(process.execPath, ["--", cli, "generate", "--dir", tree], {
      before: () => [tree, cache].forEach((dir) => rmSync(dir, { recursive: true, force: true })),
      env: { XDG_CACHE_HOME: cache },
    }));
    row(0, "generate base + dev + prod, unchanged tree", measure(process.execPath, ["--", cli, "generate", "--dir", tree], { env: { XDG_CACHE_HOME: cache } }));
  }
  for (const n of sizes) {
    const envFiles = writeEnvironmentFiles(path.join(work, `envs-${n}`), n);
    const tree = path.join(work, `tree-${n}`);
    const cache = path.join(work, `cache-${n}`);
    const env = { XDG_CACHE_HOME: cache };
    const generateArgs = ["--", cli, "generate", "--dir", tree, ...envFiles.flatMap((file) => ["--env-file", file])];
    const empty = measure(process.execPath, generateArgs, { env, before: () => [tree, cache].forEach((dir) => rmSync(dir, { recursive: true, force: true })) });
    const overlays = readdirSync(path.join(tree, "overlays")).map((name) => path.join(tree, "overlays", name));
    const loop = measure("sh", ["-c", `for d in "$@"; do "${kubectl}" kustomize "$d" > /dev/null || exit 1; done`, "loop", ...overlays]);
    row(n, `generate into an empty dir, empty cache (renders + validates ${overlays.length})`, empty, loop);
    row(n, "generate on an unchanged tree (cache warm)", measure(process.execPath, ["--", cli, "generate", "--dir", tree], { env }), loop);
    row(n, "generate on an unchanged tree --no-cache", measure(process.execPath, ["--", cli, "generate", "--dir", tree, "--no-cache"], { env }), loop);
    row(n, "validate (all, cache warm)", measure(process.execPath, ["--", cli, "validate", "--dir", tree], { env }), loop);
    row(n, "validate (all) --no-cache", measure(process.execPath, ["--", cli, "validate", "--dir", tree, "--no-cache"], { env }), loop);
    row(n, "check", measure(process.execPath, ["--", cli, "check", "--dir", tree], { env }));
    row(n, `plain shell loop of kubectl kustomize over the ${overlays.length} overlays (baseline)`, loop);
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`median of ${runs} run(s), ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${kubectlVersion}`);
  console.log("");
  console.log("| N env files | command | wall (median) | CPU user+sys (median) | peak RSS | vs. kubectl loop |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const line of rows) console.log(line);
} finally {
  rmSync(work, { recursive: true, force: true });
}
