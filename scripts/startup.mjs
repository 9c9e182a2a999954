#!/usr/bin/env node
// Start-up in isolation: the median wall and CPU (user+sys) of `node -- BIN ARGS` over RUNS runs,
// for comparing two builds of the CLI (a before/after of a change) on the same machine.
//   node scripts/startup.mjs dist/bin/argusai-kustomize.js 21 --help
//   node scripts/startup.mjs dist/bin/argusai-kustomize.js 21 check --dir deploy
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const [bin, runs = "21", ...args] = process.argv.slice(2);
if (bin === undefined) {
  process.stderr.write("usage: node scripts/startup.mjs BIN [RUNS] [ARGS...]\n");
  process.exit(2);
}
const TIME = "/usr/bin/time";
const walls = [];
const cpus = [];
for (let i = 0; i < Number(runs); i += 1) {
  const start = process.hrtime.bigint();
  const useTime = existsSync(TIME);
  const result = useTime
    ? spawnSync(TIME, ["-f", "%U %S", process.execPath, "--", bin, ...args], { encoding: "utf8" })
    : spawnSync(process.execPath, ["--", bin, ...args], { encoding: "utf8" });
  walls.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (useTime) {
    const [user, system] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
    cpus.push((user + system) * 1000);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `${[bin, ...args].join(" ")}: wall ${median(walls).toFixed(0)} ms${cpus.length > 0 ? `, CPU ${median(cpus).toFixed(0)} ms` : ""} (median of ${runs})`,
);
