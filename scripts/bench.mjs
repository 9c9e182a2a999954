#!/usr/bin/env node
// Times what users wait for, as whole processes: kubectl kustomize per overlay, and the CLI's
// generate / check. Median of N runs (default 5). Run `npm run build` first.
//   node scripts/bench.mjs [runs]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const runs = Number(process.argv[2] ?? 5);
const kubectl = process.env.KUBECTL || "kubectl";
const cli = path.resolve("dist/bin/argusai-kustomize.js");
const dir = mkdtempSync(path.join(tmpdir(), "argusai-bench-"));

function median(command, args) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    execFileSync(command, args, { stdio: ["ignore", "ignore", "inherit"] });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

try {
  const first = median(process.execPath, [cli, "generate", "--dir", path.join(dir, "fresh")]);
  const rows = [
    ["generate (first run writes the tree; median includes 4 up-to-date runs)", first],
    ["generate (tree up to date)", median(process.execPath, [cli, "generate", "--dir", path.join(dir, "fresh")])],
    ["check", median(process.execPath, [cli, "check", "--dir", path.join(dir, "fresh")])],
    [`${kubectl} kustomize overlays/dev`, median(kubectl, ["kustomize", path.join(dir, "fresh/overlays/dev")])],
    [`${kubectl} kustomize overlays/prod`, median(kubectl, ["kustomize", path.join(dir, "fresh/overlays/prod")])],
    ["node -e 0 (process start, for scale)", median(process.execPath, ["-e", "0"])],
  ];
  console.log(`median of ${runs} runs, ${new Date().toISOString().slice(0, 10)}, node ${process.version}`);
  for (const [name, ms] of rows) console.log(`${ms.toFixed(0).padStart(6)} ms  ${name}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
