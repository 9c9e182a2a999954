/** The CLI as a user runs it: the built bin in a child process, exit codes per the contract. */
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStream } from "../src/render/kustomize.js";
import { CLI, PLACEHOLDER_WARNINGS, renderer, runCli, snapshotTree, STANDALONE_KUSTOMIZE, tempDir, generatedTree } from "./helpers.js";

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env });

describe("argusai-kustomize CLI", () => {
  it("generate exits 0 and prints one line per overlay: objects, namespace, images", async () => {
    const dir = await tempDir();
    const result = await run(["generate", "--dir", dir]);
    expect(result.stderr).toBe(PLACEHOLDER_WARNINGS);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "overlays/dev: 9 objects, namespace argusai-dev, images ghcr.io/bbengt1/argusai-backend:latest ghcr.io/bbengt1/argusai-frontend:latest",
    );
    expect(lines[1]).toBe(
      "overlays/prod: 8 objects, namespace argusai, images ghcr.io/bbengt1/argusai-backend:0.0.0-set-me ghcr.io/bbengt1/argusai-frontend:0.0.0-set-me",
    );
    expect(lines[2]).toMatch(
      /^rendered with (kubectl kustomize|kustomize build), schema and policies valid; 18 file\(s\) written, 0 unchanged, 0 deleted, created overlays\/dev\/secrets.env$/,
    );
  });

  it("check exits 0 on a fresh tree, 1 with a unified diff after an edit", async () => {
    const dir = await generatedTree();
    const clean = await run(["check", "--dir", dir]);
    expect(clean).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });

    const file = path.join(dir, "overlays/prod/kustomization.yaml");
    const original = await readFile(file, "utf8");
    await writeFile(file, original.replace("count: 2", "count: 5"));
    const stale = await run(["check", "--dir", dir]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain("--- a/overlays/prod/kustomization.yaml\n+++ b/overlays/prod/kustomization.yaml\n");
    expect(stale.stdout).toContain("\n-    count: 5\n+    count: 2\n");
    expect(stale.stderr).toBe(
      "1 file(s) differ from what generate would write: overlays/prod/kustomization.yaml (changed); run argusai-kustomize generate\n" +
        "hint: overlays/prod/kustomization.yaml is generated from the built-in prod environment: move prod to an environment file (then edit it, or use --set-image prod component=TAG) or define it in a script; a hand edit is undone by the next generate\n",
    );
  });

  it("check needs no kubectl", async () => {
    const dir = await generatedTree();
    expect((await run(["check", "--dir", dir], { KUBECTL: "/nonexistent", PATH: "/nonexistent" })).code).toBe(0);
  });

  it("render prints the overlay's kustomize output", async () => {
    const dir = await generatedTree();
    const result = await run(["render", "prod", "--dir", dir]);
    expect(result.code).toBe(0);
    const objects = parseStream(result.stdout, "stdout");
    expect(objects).toHaveLength(8);
    expect(objects.every((object) => object["kind"] === "Namespace" || (object["metadata"] as { namespace?: string }).namespace === "argusai")).toBe(true);
  });

  it("a missing kubectl gives exit 3 and a one-line message naming what to install, with no stack trace", async () => {
    const dir = await generatedTree();
    // A run that would change the tree (a new environment), so "unchanged" means something.
    const envFile = path.join(await tempDir(), "qa.yaml");
    await writeFile(envFile, "name: qa\nnamespace: argusai-qa\nsecret: { mode: existing }\n");
    const before = await snapshotTree(dir);
    const result = await run(["generate", "--dir", dir, "--env-file", envFile], { KUBECTL: "/nonexistent" });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^argusai-kustomize: KUBECTL_NOT_FOUND: KUBECTL=\/nonexistent is not an executable file: install kubectl/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("no kubectl and no kustomize on PATH gives exit 3", async () => {
    const result = await run(["render", "prod", "--dir", path.resolve(".")], { PATH: "/nonexistent", KUBECTL: "", KUSTOMIZE: "" });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^argusai-kustomize: KUBECTL_NOT_FOUND: neither kubectl nor kustomize is on PATH/);
  });

  it(`falls back to \`kustomize build\` from KUSTOMIZE when there is no kubectl (${STANDALONE_KUSTOMIZE !== undefined ? "the real standalone kustomize" : "a wrapper stands in: no standalone kustomize here, see the matrix test's skips"})`, async () => {
    const dir = await tempDir();
    // The real standalone kustomize where installed; elsewhere a wrapper that accepts only
    // `build DIR` and runs `kubectl kustomize DIR`, which proves the fallback and its arguments.
    const wrapper = path.join(await tempDir(), "kustomize");
    await writeFile(wrapper, `#!/bin/sh\n[ "$1" = build ] || exit 9\nshift\nexec ${renderer.binary} kustomize "$@"\n`, { mode: 0o755 });
    const result = await run(["generate", "--dir", dir], { PATH: "/nonexistent", KUBECTL: "", KUSTOMIZE: STANDALONE_KUSTOMIZE ?? wrapper });
    expect(result.stderr).toBe(PLACEHOLDER_WARNINGS);
    expect(result.stdout).toContain("rendered with kustomize build, schema and policies valid;");
    expect(result.code).toBe(0);
  });

  it("check and render on a directory that is not a tree exit 2", async () => {
    const missing = await run(["check", "--dir", "/nonexistent/tree"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "argusai-kustomize: FILE_ACCESS: /nonexistent/tree: cannot open the tree's directory (ENOENT): it does not exist: check the path (relative paths are from the directory you run the command in)\n",
    );
    const dir = await generatedTree();
    await rm(path.join(dir, "overlays/dev/secrets.env"));
    const noSeed = await run(["render", "dev", "--dir", dir]);
    expect(noSeed.code).toBe(2);
    expect(noSeed.stderr).toMatch(/^argusai-kustomize: TREE_INCOMPLETE: overlays\/dev\/secrets.env: environment "dev": overlays\/dev\/secrets.env is missing/);
  });

  it("the bin itself (its shebang) passes --env-file through to us, not to Node", async () => {
    // Node 20 takes --env-file anywhere on its command line; the bin's "node --" stops that.
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(CLI, ["generate", "--dir", "/nonexistent-parent/x", "--env-file", "/nonexistent/env.yaml"], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stderr });
      });
    });
    expect(result.stderr).toMatch(/^argusai-kustomize: FILE_ACCESS: \/nonexistent\/env.yaml: cannot read the environment file \(ENOENT\)/);
    expect(result.code).toBe(2);
  });

  it("validate passes on a fresh tree and exits 1 listing each violation of an edited one", async () => {
    const dir = await generatedTree();
    const clean = await run(["validate", "--dir", dir]);
    expect(clean).toEqual({ code: 0, stdout: "overlays/dev: 9 objects, valid\noverlays/prod: 8 objects, valid\n", stderr: PLACEHOLDER_WARNINGS });
    // --strict: a warning fails CI (the committed prod is still on the placeholder version).
    expect(await run(["validate", "--strict", "--dir", dir])).toEqual({ ...clean, code: 1 });

    const file = path.join(dir, "overlays/prod/kustomization.yaml");
    await writeFile(
      file,
      (await readFile(file, "utf8")).replace(
        "newTag: 0.0.0-set-me\n  - name: ghcr.io/bbengt1/argusai-frontend",
        "newTag: latest\n  - name: ghcr.io/bbengt1/argusai-frontend",
      ),
    );
    const broken = await run(["validate", "prod", "--dir", dir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe(
      "overlays/prod: 8 objects, 1 violation(s)\n" +
        "  [images-pinned] Deployment/argusai-backend spec.template.spec.containers.0.image: ghcr.io/bbengt1/argusai-backend:latest is not pinned to a version " +
        "(fix: pin the image: images.<component>.tag or .digest in the environment)\n",
    );
    expect((await run(["validate", "staging", "--dir", dir])).code).toBe(2);
  });

  it("validate passes on a fresh clone, where dev's secrets.env does not exist yet", async () => {
    const dir = await generatedTree();
    await rm(path.join(dir, "overlays/dev/secrets.env"));
    const before = await snapshotTree(dir);
    const result = await run(["validate", "--dir", dir]);
    expect(result).toEqual({
      code: 0,
      stdout: "overlays/dev: 9 objects, valid (with placeholder overlays/dev/secrets.env: none on this machine)\noverlays/prod: 8 objects, valid\n",
      stderr: PLACEHOLDER_WARNINGS,
    });
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("usage errors exit 2", async () => {
    expect((await run(["frobnicate"])).code).toBe(2);
    expect((await run(["generate", "--no-such-option"])).code).toBe(2);
    expect((await run(["render"])).code).toBe(2);
    const unknown = await run(["render", "staging", "--dir", path.resolve(".")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^argusai-kustomize: USAGE: environment "staging": no overlay "staging" in .*overlays \(found: dev, prod; run generate first\)\n$/,
    );
  });

  it("--help exits 0 and lists the commands", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["generate", "check", "render"]) expect(help.stdout).toContain(command);
  });
});
