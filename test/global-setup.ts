/**
 * Runs once before any test file: tests must test the source, never a stale dist/. So the CLI is
 * rebuilt from src/ (tsc, then the esbuild bundle) while the whole project, type tests included
 * (test/types/*.types.ts with their @ts-expect-error lines), is type-checked beside it. A type
 * error or a failed build fails the run before a single test starts, whether it was started by
 * `npm test` or by `npx vitest run` alone.
 */
import { execFile } from "node:child_process";

function run(script: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`${[script, ...args].join(" ")} failed before the tests:\n${stdout}${stderr}`));
    });
  });
}

export default async function setup(): Promise<void> {
  const tsc = "node_modules/typescript/bin/tsc";
  await Promise.all([run(tsc, ["--noEmit", "-p", "tsconfig.json"]), run(tsc, ["-p", "tsconfig.build.json"]).then(() => run("scripts/bundle.mjs", []))]);
}
