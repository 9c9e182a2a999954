/**
 * A user's first steps, as they go wrong: `init` run inside an existing tree, the reading commands
 * on a tree init started but nobody generated (or one missing an overlay), and `--env-file` on
 * Node 20, which reads that option from the command line itself.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diffEnvironments, render, validate } from "../../src/index.js";
import { CLI, copyOfTree, failureOf, renderer, runCli, snapshotTree, tempDir } from "../helpers.js";

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

/** Every file of the repository but git's own and the installed package (a link to this checkout). */
const snapshotRepository = (repo: string) => snapshotTree(repo, [".git", "node_modules"]);

/** Makes `repo` a Git repository whose `argusai-kustomize` import resolves to this checkout (as an install would). */
async function makeUserRepo(repo: string): Promise<void> {
  execFileSync("git", ["init", "-q", repo]);
  await mkdir(path.join(repo, "node_modules"));
  await symlink(path.resolve("."), path.join(repo, "node_modules", "argusai-kustomize"));
}

/** A temp user repository (see makeUserRepo). */
async function userRepo(): Promise<string> {
  const repo = await tempDir("argusai-user-repo-");
  await makeUserRepo(repo);
  return repo;
}

const STAGING = `name: staging
namespace: argusai-staging
images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" } }
secret: { mode: existing }
`;

/**
 * A copy of one repository with a generated tree (dev, prod, staging from envs/staging.yaml) and no
 * config file, generated once per file by the CLI (the record names paths relative to the tree,
 * and the package link is absolute, so a copy is that repository).
 */
function generatedRepo(): Promise<string> {
  return copyOfTree("generated-repo", async (repo) => {
    await makeUserRepo(repo);
    await mkdir(path.join(repo, "envs"));
    await writeFile(path.join(repo, "envs/staging.yaml"), STAGING);
    const generated = await runCli(["generate", "-f", "envs/staging.yaml"], { cwd: repo });
    expect(generated.code, generated.stderr).toBe(0);
  });
}

describe("init inside an existing tree", () => {
  it("from overlays/staging completes the tree above (only what it lacks), says where, and starts no second tree", async () => {
    const repo = await generatedRepo();
    const cwd = path.join(repo, "overlays/staging");
    const overlayBefore = await readdir(cwd);
    const envBefore = await readFile(path.join(repo, "envs/staging.yaml"), "utf8");

    const result = await runCli(["init"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split("\n").slice(0, 5)).toEqual([
      `found the tree at ${repo} (the nearest one upwards): init completes that one, creating only what it lacks`,
      "created ../../argusai-kustomize.config.mjs",
      "exists  ../../envs/staging.yaml (left alone)",
      "created ../../.gitignore",
      "created ../../.github/workflows/argusai-kustomize.yml",
    ]);
    // The next step to generate goes to the tree's root, and uses -f (see the Node 20 tests below).
    expect(result.stdout).toContain("  2. cd ../.. && npx argusai-kustomize generate -f envs/staging.yaml");
    // Nothing written where the user stood; the existing environment file kept its bytes.
    expect(await readdir(cwd)).toEqual(overlayBefore);
    expect(await readFile(path.join(repo, "envs/staging.yaml"), "utf8")).toBe(envBefore);
    // The config written at the root is the tree's: check from the subdirectory reads it and agrees.
    expect(await runCli(["check"], { cwd })).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });

    // A second init from anywhere in the tree changes nothing.
    const before = await snapshotRepository(repo);
    const again = await runCli(["init", "--json"], { cwd: path.join(repo, "envs") });
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout) as { dir: string; how: string; files: Array<{ status: string }> };
    expect(json.dir).toBe(repo);
    expect(json.how).toBe("found");
    expect(json.files.map((file) => file.status)).toEqual(["exists", "exists", "exists", "exists"]);
    expect(await snapshotRepository(repo)).toEqual(before);
  });

  it("with --dir acts on the directory given, even inside a tree", async () => {
    const repo = await generatedRepo();
    const result = await runCli(["init", "--dir", "nested"], { cwd: path.join(repo, "envs") });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/found the tree/);
    expect(result.stdout.split("\n")[0]).toBe("created nested/argusai-kustomize.config.mjs");
    expect((await readdir(path.join(repo, "envs/nested"))).sort()).toEqual([".gitignore", "argusai-kustomize.config.mjs", "envs"]);
  });
});

describe("reading commands on a tree that is not (fully) generated", () => {
  const NOT_GENERATED =
    /^argusai-kustomize: TREE_INCOMPLETE: .*: no generated tree here yet \(no \.argusai-kustomize\.json, no base\/\): run argusai-kustomize generate\n$/;

  it("after init, before any generate: validate, render and diff exit 2 saying to run generate; check lists what is missing (exit 1)", async () => {
    const repo = await userRepo();
    expect((await runCli(["init"], { cwd: repo })).code).toBe(0);
    const before = await snapshotRepository(repo);
    for (const args of [["validate"], ["validate", "prod", "--strict"], ["render", "dev"], ["render", "staging"], ["diff", "dev", "prod"]]) {
      for (const cwd of [repo, path.join(repo, "envs")]) {
        const result = await runCli(args, { cwd });
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.stderr).toMatch(NOT_GENERATED);
      }
    }
    const json = await runCli(["validate", "--json"], { cwd: repo });
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe("TREE_INCOMPLETE");
    // check is the CI gate: a tree not generated is a stale tree (exit 1), each missing file named.
    const checked = await runCli(["check"], { cwd: repo });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /base\/kustomization\.yaml \(missing\).*overlays\/prod\/kustomization\.yaml \(missing\).*; run argusai-kustomize generate\n/,
    );
    expect(await snapshotRepository(repo)).toEqual(before);

    // The library says the same. Each call starts only when the previous failure was taken: a
    // promise created early and rejected before its turn is an unhandled rejection, which fails
    // the whole run (this raced one run in five).
    for (const failing of [
      () => validate([], { dir: repo, renderer }),
      () => render("dev", { dir: repo, renderer }),
      () => diffEnvironments("dev", "prod", { dir: repo, renderer }),
    ]) {
      const error = await failureOf(failing());
      expect(error.code).toBe("TREE_INCOMPLETE");
      expect(error.message).toMatch(/no generated tree here yet/);
    }
  });

  it("a recorded environment whose overlay is gone: exit 2 naming the overlay, the other overlays still validate", async () => {
    const repo = await generatedRepo();
    await rm(path.join(repo, "overlays/staging"), { recursive: true });
    const missing =
      /^argusai-kustomize: TREE_INCOMPLETE: overlays\/staging\/kustomization\.yaml: environment "staging": overlays\/staging\/kustomization\.yaml is missing \(the environment is in the tree\): run argusai-kustomize generate to write it\n$/;
    for (const args of [["validate"], ["validate", "staging"], ["render", "staging"], ["diff", "dev", "staging"]]) {
      const result = await runCli(args, { cwd: repo });
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(missing);
    }
    const dev = await runCli(["validate", "dev", "--no-cache"], { cwd: repo });
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stdout).toMatch(/^overlays\/dev: \d+ objects, valid\n$/);
    const checked = await runCli(["check"], { cwd: repo });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/overlays\/staging\/kustomization\.yaml \(missing\)/);
  });

  it("a missing base/ of a generated tree is named too", async () => {
    const repo = await generatedRepo();
    await rm(path.join(repo, "base"), { recursive: true });
    const result = await runCli(["validate", "dev"], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^argusai-kustomize: TREE_INCOMPLETE: base\/kustomization\.yaml: base\/kustomization\.yaml is missing: run argusai-kustomize generate/,
    );
  });
});

/** Runs `node BIN args` (no "--" before the script: as npx's own node, or a user typing it, does). */
function nodeBin(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr });
    });
  });
}

describe(`--env-file and -f under this machine's Node (${process.versions.node})`, () => {
  it("`node BIN generate --env-file=FILE` and `node BIN generate -f FILE` both generate the environment", async () => {
    for (const args of [["--env-file=envs/staging.yaml"], ["-f", "envs/staging.yaml"]]) {
      const repo = await userRepo();
      await mkdir(path.join(repo, "envs"));
      await writeFile(path.join(repo, "envs/staging.yaml"), STAGING);
      const result = await nodeBin(["generate", ...args], repo);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^overlays\/staging: \d+ objects, namespace argusai-staging/m);
      const record = JSON.parse(await readFile(path.join(repo, ".argusai-kustomize.json"), "utf8")) as { environments: unknown[] };
      expect(record.environments).toContainEqual({ file: "envs/staging.yaml", name: "staging" });
      // check takes -f as well.
      expect(await nodeBin(["check", ...args], repo)).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
    }
  });

  it("a missing -f FILE reaches the CLI (its own coded error, exit 2), never Node", async () => {
    const repo = await generatedRepo();
    const result = await nodeBin(["generate", "-f", "envs/no-such.yaml"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^argusai-kustomize: \w+: .*envs\/no-such\.yaml/);
    expect(result.stderr).not.toMatch(/^node: /m);
  });

  // Why -f exists: Node 20 reads --env-file, in either form, from the whole command line.
  it.runIf(NODE_MAJOR === 20)("on Node 20, `node BIN generate --env-file=MISSING` is stopped by Node itself (exit 9): the help says to write -f", async () => {
    const repo = await generatedRepo();
    const result = await nodeBin(["generate", "--env-file=envs/no-such.yaml"], repo);
    expect(result.code).toBe(9);
    expect(result.stderr).toMatch(/^\S*node: envs\/no-such\.yaml: not found/);
    const help = await runCli(["generate", "--help"]);
    expect(help.stdout).toMatch(/-f, --env-file <file>/);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("On Node 20 write -f FILE");
  });
});
