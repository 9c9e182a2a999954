/**
 * The in-process runner (test/cli-runner.ts) stands in for the bin in most CLI tests: it must
 * answer exactly as the bin does. Each case runs both ways and compares exit code, stdout and stderr.
 */
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generatedTree, runBin, runCli, tempDir } from "./helpers.js";

describe("the in-process CLI runner answers as the bin does", () => {
  it("on success, drift, output, usage errors, JSON errors, help and a missing kubectl", async () => {
    const tree = await generatedTree();
    const drifted = await generatedTree();
    await appendFile(path.join(drifted, "base/kustomization.yaml"), "# edited\n");
    const empty = await tempDir();
    const cases: { args: string[]; cwd?: string; env?: NodeJS.ProcessEnv }[] = [
      { args: ["check"], cwd: tree },
      { args: ["check", "--json"], cwd: drifted },
      { args: ["render", "prod"], cwd: tree },
      { args: ["diff", "dev", "prod", "--dir", tree] },
      { args: ["generate", "--dri", "x"] },
      { args: ["check", "--json"], cwd: empty },
      { args: ["--help"] },
      { args: ["validate", "dev"], cwd: tree, env: { KUBECTL: "/nonexistent/kubectl", PATH: "/nonexistent" } },
    ];
    const codes = new Set<number>();
    for (const { args, ...options } of cases) {
      const inProcess = await runCli(args, options);
      expect(await runBin(args, options), args.join(" ")).toEqual(inProcess);
      codes.add(inProcess.code);
    }
    // The cases take the paths they are meant to: 0, 1, 2 and 3 among the exit codes.
    expect(codes).toEqual(new Set([0, 1, 2, 3]));
  });

  it("restores the working directory and the environment after a run", async () => {
    const cwd = process.cwd();
    const before = process.env["KUBECTL"];
    await runCli(["check"], { cwd: await tempDir(), env: { KUBECTL: "/nonexistent/kubectl" } });
    expect(process.cwd()).toBe(cwd);
    expect(process.env["KUBECTL"]).toBe(before);
  });
});
