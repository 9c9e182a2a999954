/** generate --set-image: the env file is the one place a version lives; check says where edits belong. */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseImageUpdates } from "../src/commands/set-image.js";
import { copyOfTree, runCli, snapshotTree, tempDir } from "./helpers.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A copy of a tree generated with examples/staging.yaml as its own staging.yaml (recorded relative to the tree). */
async function stagingTree(): Promise<{ dir: string; envFile: string; original: string }> {
  const original = await readFile("examples/staging.yaml", "utf8");
  const dir = await copyOfTree("staging", async (template) => {
    await writeFile(path.join(template, "staging.yaml"), original);
    expect((await runCli(["generate", "--dir", template, "--env-file", path.join(template, "staging.yaml")])).code).toBe(0);
  });
  return { dir, envFile: path.join(dir, "staging.yaml"), original };
}

describe("parseImageUpdates", () => {
  it("groups component=version values under the environment before them", () => {
    expect(parseImageUpdates(["staging", "backend=1.4.3", `frontend=@${DIGEST}`, "prod", "backend=2"])).toEqual([
      { environment: "staging", component: "backend", version: { tag: "1.4.3" } },
      { environment: "staging", component: "frontend", version: { digest: DIGEST } },
      { environment: "prod", component: "backend", version: { tag: "2" } },
    ]);
    expect(() => parseImageUpdates(["backend=1"])).toThrow(/give the environment first/);
    expect(() => parseImageUpdates(["staging"])).toThrow(/give component=TAG/);
    expect(() => parseImageUpdates(["staging", "prod", "backend=1"])).toThrow(/give component=TAG/);
  });
});

describe("generate --set-image", () => {
  it("edits only the version in the env file (comments and alignment kept), generates, and check stays clean", async () => {
    const { dir, envFile, original } = await stagingTree();
    const result = await runCli(["generate", "--dir", dir, "--set-image", "staging", "backend=1.10", `frontend=@${DIGEST}`, "--json"]);
    expect(result.code).toBe(0);
    const edited = await readFile(envFile, "utf8");
    expect(edited).toBe(
      original
        .replace('backend: { tag: "1.4.2" }     #', 'backend: { tag: "1.10" }     #')
        .replace('frontend: { tag: "1.4.2" }', `frontend: { digest: "${DIGEST}" }`),
    );
    const json = JSON.parse(result.stdout) as { imageUpdates: unknown[]; overlays: Array<{ environment: string; images: string[] }> };
    expect(json.imageUpdates).toEqual([
      { environment: "staging", component: "backend", file: path.relative(process.cwd(), envFile), from: { tag: "1.4.2" }, to: { tag: "1.10" } },
      { environment: "staging", component: "frontend", file: path.relative(process.cwd(), envFile), from: { tag: "1.4.2" }, to: { digest: DIGEST } },
    ]);
    // 1.10 stays a string (not the number 1.1) all the way to the rendered image.
    expect(json.overlays.find((overlay) => overlay.environment === "staging")?.images).toEqual([
      "ghcr.io/bbengt1/argusai-backend:1.10",
      `ghcr.io/bbengt1/argusai-frontend@${DIGEST}`,
    ]);
    const kustomization = parse(await readFile(path.join(dir, "overlays/staging/kustomization.yaml"), "utf8")) as { images: unknown[] };
    expect(kustomization.images).toEqual([
      { name: "ghcr.io/bbengt1/argusai-backend", newTag: "1.10" },
      { name: "ghcr.io/bbengt1/argusai-frontend", digest: DIGEST },
    ]);
    expect((await runCli(["check", "--dir", dir])).code).toBe(0);
  });

  it("a JSON env file is edited in place too", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "qa.json");
    const text = `{\n  "name": "qa",\n  "namespace": "argusai-qa",\n  "images": { "backend": { "tag": "1.0.0" } },\n  "secret": { "mode": "existing" }\n}\n`;
    await writeFile(envFile, text);
    expect((await runCli(["generate", "--dir", dir, "--env-file", envFile])).code).toBe(0);
    expect((await runCli(["generate", "--dir", dir, "--set-image", "qa", "backend=1.0.1"])).code).toBe(0);
    expect(await readFile(envFile, "utf8")).toBe(text.replace('"tag": "1.0.0"', '"tag": "1.0.1"'));
  });

  it("adds a version beside a repository (block or flow), keeping the file's comments and layout, and the repository", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "mirror.yaml");
    const text = [
      "name: mirror",
      "namespace: argusai-mirror",
      "images:",
      "  backend:",
      "    repository: registry.example.com/argusai-backend   # our mirror",
      "  frontend: {repository: registry.example.com/argusai-frontend}",
      "secret: {mode: existing}   # made by hand",
      "",
    ].join("\n");
    await writeFile(envFile, text);
    expect((await runCli(["generate", "--dir", dir, "--env-file", envFile])).code).toBe(0);
    const result = await runCli(["generate", "--dir", dir, "--set-image", "mirror", "backend=2.0.0", `frontend=@${DIGEST}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(envFile, "utf8")).toBe(
      text.replace("# our mirror\n", '# our mirror\n    tag: "2.0.0"\n').replace("argusai-frontend}", `argusai-frontend, digest: "${DIGEST}"}`),
    );
    const kustomization = parse(await readFile(path.join(dir, "overlays/mirror/kustomization.yaml"), "utf8")) as { images: unknown[] };
    expect(kustomization.images).toEqual([
      { name: "ghcr.io/bbengt1/argusai-backend", newName: "registry.example.com/argusai-backend", newTag: "2.0.0" },
      { name: "ghcr.io/bbengt1/argusai-frontend", newName: "registry.example.com/argusai-frontend", digest: DIGEST },
    ]);
  });

  it("refuses a built-in environment, telling how to move it to an env file; nothing written", async () => {
    const { dir } = await stagingTree();
    const before = await snapshotTree(dir);
    const result = await runCli(["generate", "--dir", dir, "--set-image", "prod", "backend=1.4.2"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'argusai-kustomize: USAGE: environment "prod", field images.backend: --set-image: "prod" is built in and has no file to hold its version. Move it to an environment file',
    );
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it.each([
    [["staging", "backend=bad tag!"], 'staging.yaml:9: environment "staging", field images.backend.tag: is not a valid image tag'],
    [
      ["staging", "frontend=@sha256:123"],
      'staging.yaml:10: environment "staging", field images.frontend.digest: is not sha256: followed by 64 lowercase hex digits',
    ],
    [["staging", "worker=1.0"], 'environment "staging", field images.worker: --set-image: no component "worker" (components: backend, frontend)'],
    [["qa", "backend=1.0"], 'environment "qa", field --set-image: --set-image: the tree has no environment "qa" (have: dev, prod, staging)'],
  ])("a bad value %j exits 2 naming file:line, environment and field; nothing written", async (values, message) => {
    const { dir } = await stagingTree();
    const before = await snapshotTree(dir);
    const result = await runCli(["generate", "--dir", dir, "--set-image", ...values]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("puts the env file back when generate fails after the edit", async () => {
    const { dir, envFile, original } = await stagingTree();
    const result = await runCli(["generate", "--dir", dir, "--set-image", "staging", "backend=1.4.3"], { env: { KUBECTL: "/nonexistent/kubectl" } });
    expect(result.code).toBe(3);
    expect(await readFile(envFile, "utf8")).toBe(original);
  });
});

describe("check on a hand-edited generated file", () => {
  it("names the environment's source: the env file, or built-in prod", async () => {
    const { dir, envFile } = await stagingTree();
    for (const env of ["staging", "prod"]) {
      const file = path.join(dir, `overlays/${env}/kustomization.yaml`);
      await writeFile(file, (await readFile(file, "utf8")).replace(/newTag: .*/g, "newTag: 9.9.9"));
    }
    const result = await runCli(["check", "--dir", dir]);
    expect(result.code).toBe(1);
    const shown = path.relative(process.cwd(), envFile);
    expect(result.stderr).toContain(
      `hint: overlays/staging/kustomization.yaml is generated from ${shown}: change that file (an image: argusai-kustomize generate --set-image staging component=TAG), then run argusai-kustomize generate\n`,
    );
    expect(result.stderr).toContain("hint: overlays/prod/kustomization.yaml is generated from the built-in prod environment: move prod to an environment file");

    const json = JSON.parse((await runCli(["check", "--dir", dir, "--json"])).stdout) as { ok: boolean; drift: Array<Record<string, unknown>> };
    expect(json.ok).toBe(false);
    expect(json.drift.map((file) => [file["path"], file["status"], file["environment"], file["source"]])).toEqual([
      ["overlays/prod/kustomization.yaml", "changed", "prod", "built-in prod"],
      ["overlays/staging/kustomization.yaml", "changed", "staging", `file ${shown}`],
    ]);
    expect(json.drift[0]!["diff"]).toContain("-    newTag: 9.9.9\n+    newTag: 0.0.0-set-me\n");
  });
});
