#!/usr/bin/env node
// Opt-in stress test of the tree lock: runs "two generates at once" (each adding a different
// environment to the same tree, through the shipped CLI and the real kubectl) N times and reports
// every run where a generate failed, an environment was lost, or the lock, journal or a staging
// directory was left behind. A race that hits one run in a few hundred shows up here; `npm test`
// runs a smaller count of the same case.
//
//   npm run build && node scripts/stress-concurrent.mjs [N=300] [--cli dist/bin/argusai-kustomize.js]
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const args = process.argv.slice(2);
const cliFlag = args.indexOf("--cli");
const cli = path.resolve(cliFlag >= 0 ? args.splice(cliFlag, 2)[1] : new URL("../dist/bin/argusai-kustomize.js", import.meta.url).pathname);
const runs = Number.parseInt(args[0] ?? "300", 10);
if (!Number.isInteger(runs) || runs <= 0) {
  console.error("usage: node scripts/stress-concurrent.mjs [N] [--cli PATH]");
  process.exit(2);
}

function run(argv) {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--", cli, ...argv], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : error.code, stdout, stderr });
    });
  });
}

const failures = [];
const started = Date.now();
for (let i = 1; i <= runs; i += 1) {
  const dir = await mkdtemp(path.join(tmpdir(), "argusai-stress-"));
  try {
    const tree = path.join(dir, "tree");
    const first = await run(["generate", "--dir", tree]);
    if (first.code !== 0) throw new Error(`setup generate failed: ${first.stderr}`);
    const envFile = async (name) => {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, `name: ${name}\nnamespace: argusai-${name}\nsecret: { mode: existing }\n`);
      return file;
    };
    const [qa, uat] = await Promise.all([
      run(["generate", "--dir", tree, "--env-file", await envFile("qa")]),
      run(["generate", "--dir", tree, "--env-file", await envFile("uat")]),
    ]);
    const problems = [];
    for (const [name, result] of [
      ["qa", qa],
      ["uat", uat],
    ]) {
      if (result.code !== 0) problems.push(`generate ${name} exited ${result.code}: ${result.stderr.trim()}`);
    }
    const record = JSON.parse(await readFile(path.join(tree, ".argusai-kustomize.json"), "utf8"));
    const names = record.environments
      .map((entry) => entry.builtin ?? entry.name)
      .sort()
      .join(",");
    if (problems.length === 0 && names !== "dev,prod,qa,uat") problems.push(`recorded environments: ${names}`);
    const leftovers = (await readdir(tree)).filter((entry) => entry.startsWith(".argusai-kustomize") && entry !== ".argusai-kustomize.json");
    if (leftovers.length > 0) problems.push(`left behind: ${leftovers.join(", ")}`);
    if (problems.length === 0) {
      const check = await run(["check", "--dir", tree]);
      if (check.code !== 0) problems.push(`check exited ${check.code}: ${check.stdout.slice(0, 500)}`);
    }
    if (problems.length > 0) {
      failures.push(i);
      console.log(`run ${i}: FAILED\n  ${problems.join("\n  ")}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (i % 25 === 0) console.log(`${i}/${runs} runs, ${failures.length} failed (${Math.round((Date.now() - started) / 1000)} s)`);
}
console.log(
  `${failures.length} of ${runs} runs failed (${((100 * failures.length) / runs).toFixed(1)} %)${failures.length > 0 ? `: runs ${failures.join(", ")}` : ""}`,
);
process.exitCode = failures.length > 0 ? 1 : 0;
