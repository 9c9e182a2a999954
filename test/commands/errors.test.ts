/**
 * Errors from the operating system are coded errors naming the path (exit 2), a bug is exit 70
 * with one line saying where to report it, and the stack only when asked for.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../../src/cli/exit.js";
import { ArgusKustomizeError } from "../../src/errors.js";
import { writeTree } from "../../src/write/transaction.js";
import { renderer, runCli, snapshotTree, tempDir } from "../helpers.js";

const STAGING = 'name: staging\nnamespace: argusai-staging\nimages: { backend: { tag: "1.4.2" } }\nsecret: { mode: existing }\n';
const NO_STACK = /\n\s+at .*:\d+:\d+\)?\n/;

/** A tree generated with envs/staging.yaml, readable by every user (nobody runs the CLI when tests run as root). */
async function treeWithEnvFile(): Promise<{ dir: string; envFile: string; parent: string }> {
  const parent = await tempDir();
  await chmod(parent, 0o755);
  const dir = path.join(parent, "tree");
  await mkdir(path.join(dir, "envs"), { recursive: true });
  const envFile = path.join(dir, "envs/staging.yaml");
  await writeFile(envFile, STAGING);
  const generated = await runCli(["generate", "--dir", dir, "--env-file", envFile, "--no-cache"]);
  expect(generated.code, generated.stderr).toBe(0);
  return { dir, envFile, parent };
}

describe("operating-system errors are coded, name the path and what to do (exit 2), with no stack", () => {
  it("an environment file the user cannot read: validate and --set-image", async () => {
    const { dir, envFile, parent } = await treeWithEnvFile();
    // The tree is writable (generate may write it); only the environment file is closed.
    await chmod(dir, 0o777);
    await chmod(envFile, 0o000);
    for (const args of [
      ["validate", "--dir", dir, "--no-cache"],
      ["generate", "--dir", dir, "--set-image", "staging", "backend=1.4.3", "--no-cache"],
    ]) {
      const result = await runCli(args, { asNobody: true, env: { HOME: parent } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^argusai-kustomize: FILE_ACCESS: .*envs\/staging.yaml: environment "staging": .*records environment "staging" from .*staging.yaml, which cannot be read \(EACCES: permission denied: give your user read/,
      );
      expect(result.stderr).not.toMatch(NO_STACK);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("a read-only environment file: --set-image says so and changes nothing", async () => {
    const { dir, envFile, parent } = await treeWithEnvFile();
    await chmod(dir, 0o777);
    await chmod(envFile, 0o444);
    const before = await snapshotTree(dir);
    const result = await runCli(["generate", "--dir", dir, "--set-image", "staging", "backend=1.4.3", "--no-cache"], { asNobody: true, env: { HOME: parent } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^argusai-kustomize: FILE_ACCESS: .*envs\/staging.yaml: cannot write the environment file \(EACCES\): permission denied/);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("a read-only tree: generate is WRITE_FAILED naming it, changes nothing; check still reads it", async () => {
    const { dir, parent } = await treeWithEnvFile();
    await writeFile(path.join(dir, "envs/staging.yaml"), STAGING.replace("1.4.2", "1.4.3"));
    const before = await snapshotTree(dir);
    await chmod(path.join(dir, "overlays/staging"), 0o555);
    await chmod(dir, 0o555);
    const result = await runCli(["generate", "--dir", dir, "--no-cache"], { asNobody: true, env: { HOME: parent } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^argusai-kustomize: WRITE_FAILED: the target directory .*tree is not writable \(EACCES\)/);
    expect(result.stderr).not.toMatch(NO_STACK);
    const checked = await runCli(["check", "--dir", dir], { asNobody: true, env: { HOME: parent } });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/^1 file\(s\) differ .*overlays\/staging\/kustomization.yaml \(changed\)/);
    await chmod(dir, 0o755);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("a missing directory: FILE_ACCESS for every reading command", async () => {
    for (const args of [["check"], ["validate"], ["render", "prod"], ["diff", "dev", "prod"]]) {
      const result = await runCli([...args, "--dir", "/nonexistent/tree"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "argusai-kustomize: FILE_ACCESS: /nonexistent/tree: cannot open the tree's directory (ENOENT): it does not exist: check the path (relative paths are from the directory you run the command in)\n",
      );
    }
  });
});

describe("a bug is exit 70, one line, the stack only when asked for", () => {
  it("from the CLI: anything unexpected (here: process.cwd() throwing a TypeError, injected with --import)", async () => {
    const dir = await tempDir();
    const inject = path.join(dir, "bug.mjs");
    await writeFile(inject, 'process.cwd = () => { throw new TypeError("simulated bug"); };\n');
    const env = { NODE_OPTIONS: `--import=${inject}` };
    const result = await runCli(["check"], { env, cwd: dir });
    expect(result.code).toBe(70);
    expect(result.stderr).toMatch(
      /^argusai-kustomize: internal error \(a bug in argusai-kustomize \d+\.\d+\.\d+\): TypeError: simulated bug; please report it at https:\/\/github.com\/argusai\/argusai-kustomize\/issues with the command you ran \(run again with --debug or ARGUSAI_DEBUG=1 for the stack\)\n$/,
    );
    for (const debug of [
      { args: ["check", "--debug"], env },
      { args: ["check"], env: { ...env, ARGUSAI_DEBUG: "1" } },
    ]) {
      const verbose = await runCli(debug.args, { env: debug.env, cwd: dir });
      expect(verbose.code).toBe(70);
      expect(verbose.stderr).toMatch(
        /^argusai-kustomize: internal error .*: TypeError: simulated bug; please report it at .*\nTypeError: simulated bug\n\s+at /,
      );
    }
    const json = await runCli(["check", "--json"], { env, cwd: dir });
    expect(json.code).toBe(70);
    expect(JSON.parse(json.stdout)).toMatchObject({ command: "check", ok: false, error: { code: "UNEXPECTED", message: "simulated bug" } });
  });

  it("exitCodeFor: an ArgusKustomizeError gets its contract code, an OS error FILE_ACCESS (2), anything else 70", () => {
    const lines: string[] = [];
    const output = { err: (text: string) => lines.push(text) };
    expect(exitCodeFor(new ArgusKustomizeError("KUBECTL_NOT_FOUND", "no kubectl"), output, false)).toBe(3);
    const os = Object.assign(new Error("EROFS: read-only file system, open '/ro/x'"), { code: "EROFS", syscall: "open", path: "/ro/x", errno: -30 });
    expect(exitCodeFor(os, output, false)).toBe(2);
    expect(exitCodeFor(new RangeError("oops"), output, false)).toBe(70);
    expect(lines[0]).toBe("argusai-kustomize: KUBECTL_NOT_FOUND: no kubectl\n");
    expect(lines[1]).toBe(
      "argusai-kustomize: FILE_ACCESS: /ro/x: cannot open it (EROFS): it is on a read-only file system: run generate in a writable checkout (check, validate and render only read)\n",
    );
    expect(lines[2]).toMatch(/^argusai-kustomize: internal error \(a bug in argusai-kustomize .*\): RangeError: oops; please report it at /);
  });
});

describe("what is not a write failure is not reported as one", () => {
  it("a check that crashes while the staged tree is verified (a policy throwing on odd input) is not WRITE_FAILED 'nothing was changed'", async () => {
    const dir = await tempDir();
    const crash = new TypeError("Cannot read properties of undefined (reading 'containers')");
    const thrown = await writeTree(dir, async () => ({ contents: new Map([["a.yaml", "a: 1\n"]]), seeds: [] }), {
      verify: async () => {
        throw crash;
      },
    }).catch((error: unknown) => error);
    expect(thrown).toBe(crash);
    expect(await snapshotTree(dir)).toEqual(new Map());
  });

  it("render on a damaged record says the record is damaged, not that the overlay is missing", async () => {
    const dir = await tempDir();
    expect((await runCli(["generate", "--dir", dir, "--no-cache"])).code).toBe(0);
    const record = path.join(dir, ".argusai-kustomize.json");
    await writeFile(record, `<<<<<<< HEAD\n${await readFile(record, "utf8")}`);
    const result = await runCli(["render", "prod", "--dir", dir], { env: { KUBECTL: renderer.binary } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^argusai-kustomize: INVALID_SPEC: .*\.argusai-kustomize\.json: the record is damaged \(not JSON: .*\); restore it/);
    expect(result.stderr).not.toMatch(/run generate first/);
  });
});
