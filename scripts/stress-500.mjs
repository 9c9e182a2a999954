#!/usr/bin/env node
// Opt-in stress run: a 500-environment generate into an empty directory, rendering everything
// (--no-cache), 10 times in a row, each with a time limit. Reports each run's duration, and for a
// run that hangs: it is killed (its whole process group), and whether it left its lock or a
// staging directory behind. Exit 1 when any run failed or hung. Run `npm run build` first.
//   node scripts/stress-500.mjs            STRESS_RUNS=10 STRESS_ENVS=500 STRESS_TIMEOUT_S=180
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeEnvironmentFiles } from "./bench-envs.mjs";

const runs = Number(process.env.STRESS_RUNS ?? 10);
const count = Number(process.env.STRESS_ENVS ?? 500);
const timeoutMs = Number(process.env.STRESS_TIMEOUT_S ?? 180) * 1000;
const cli = path.resolve("dist/bin/argusai-kustomize.js");
const work = mkdtempSync(path.join(tmpdir(), "argusai-stress-"));
const envFiles = writeEnvironmentFiles(path.join(work, "envs"), count);

/** Runs generate once; resolves with its outcome, killing its process group after the time limit. */
function generateOnce(tree) {
  return new Promise((resolve) => {
    const start = Date.now();
    // Its own process group, so a hang can be ended with every kubectl it started.
    const child = spawn(process.execPath, ["--", cli, "generate", "--no-cache", "--dir", tree, ...envFiles.flatMap((file) => ["--env-file", file])], {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - start, code, signal, hung, stderr: stderr.trim().split("\n").slice(-3).join(" | ") });
    });
  });
}

let failures = 0;
try {
  console.log(`${runs} × generate of ${count} environment files + dev + prod (--no-cache), limit ${timeoutMs / 1000} s each`);
  for (let run = 1; run <= runs; run += 1) {
    const tree = path.join(work, `tree-${run}`);
    const result = await generateOnce(tree);
    const leftovers = existsSync(tree)
      ? readdirSync(tree).filter((name) => name.startsWith(".argusai-kustomize.lock") || name.startsWith(".argusai-kustomize-staging-"))
      : [];
    const status = result.hung
      ? `HUNG (killed after ${timeoutMs / 1000} s)`
      : result.code === 0
        ? "ok"
        : `FAILED (exit ${result.code ?? result.signal}): ${result.stderr}`;
    if (result.hung || result.code !== 0) failures += 1;
    console.log(
      `run ${String(run).padStart(2)}: ${(result.ms / 1000).toFixed(2)} s  ${status}${leftovers.length > 0 ? `  left behind: ${leftovers.join(", ")}` : ""}`,
    );
    rmSync(tree, { recursive: true, force: true });
  }
  console.log(failures === 0 ? "no run failed or hung" : `${failures} run(s) failed or hung`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
