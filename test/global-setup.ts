/**
 * Runs once before any test file: tests must test the source, never a stale dist/. So the CLI is
 * rebuilt from src/ (tsc + the esbuild bundle) and the whole project, type tests included
 * (test/types/*.types.ts with their @ts-expect-error lines), is type-checked. A type error or a
 * failed build fails the run before a single test starts, whether it was started by `npm test`
 * or by `npx vitest run` alone.
 */
import { execFileSync } from "node:child_process";

export default function setup(): void {
  const run = (script: string, args: readonly string[]) => {
    try {
      execFileSync(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      throw new Error(`${args.join(" ")} failed before the tests:\n${stdout}${stderr}`);
    }
  };
  const tsc = "node_modules/typescript/bin/tsc";
  run(tsc, ["--noEmit", "-p", "tsconfig.json"]);
  run(tsc, ["-p", "tsconfig.build.json"]);
  run("scripts/bundle.mjs", []);
}
