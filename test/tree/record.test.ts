/**
 * The record makes a tree reproducible however it was made: from a script, from environment
 * files, or from the built-ins; and the repository's own committed tree is what generate writes.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { check, generate, render } from "../../src/index.js";
import { readRecord } from "../../src/tree/record.js";
import { renderer, snapshotTree, tempDir } from "../helpers.js";

const staging = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" as const }, replicas: { frontend: 2 } };

describe("the record", () => {
  it("the committed tree in this repository is exactly what generate writes", async () => {
    expect(await check({ dir: path.resolve(".") })).toEqual([]);
  });

  it("lets check and a plain generate reproduce a tree made from a script", async () => {
    const dir = await tempDir();
    await generate({ dir, environments: [devEnvironment(), prodEnvironment({ image: { tag: "1.4.2" } }), staging], renderer });
    expect((await readRecord(dir)).environments).toEqual([{ builtin: "dev" }, { spec: prodEnvironment({ image: { tag: "1.4.2" } }) }, { spec: staging }]);
    expect(await check({ dir })).toEqual([]);
    const before = await snapshotTree(dir);
    const again = await generate({ dir, renderer });
    expect(again.written).toEqual([]);
    expect(again.deleted).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("re-reads recorded environment files, so check catches an edited file", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "envs", "staging.yaml");
    await mkdir(path.dirname(envFile), { recursive: true });
    await writeFile(envFile, "name: staging\nnamespace: argusai-staging\nsecret:\n  mode: existing\n");
    await generate({ dir, envFiles: [envFile], renderer });
    expect((await readRecord(dir)).environments).toEqual([{ builtin: "dev" }, { builtin: "prod" }, { file: "envs/staging.yaml", name: "staging" }]);
    expect(await check({ dir })).toEqual([]);

    await writeFile(envFile, "name: staging\nnamespace: argusai-staging\nsecret:\n  mode: existing\nreplicas:\n  frontend: 3\n");
    // Three replicas: a replica count, and the pods spread over nodes (a new file the record owns).
    expect((await check({ dir })).map((drift) => `${drift.status} ${drift.path}`)).toEqual([
      "changed .argusai-kustomize.json",
      "changed overlays/staging/kustomization.yaml",
      "missing overlays/staging/patches/frontend-deployment.yaml",
    ]);
    await generate({ dir, renderer });
    expect(await check({ dir })).toEqual([]);
    expect(await readFile(path.join(dir, "overlays/staging/kustomization.yaml"), "utf8")).toContain("count: 3");
  });

  it("lets an environment file replace a built-in of the same name", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const prodFile = path.join(await tempDir(), "prod.json");
    await writeFile(prodFile, JSON.stringify({ ...prodEnvironment({ image: { tag: "1.5.0" } }) }));
    const result = await generate({ dir, envFiles: [prodFile], renderer });
    expect(result.overlays.map((overlay) => overlay.dir)).toEqual(["overlays/dev", "overlays/prod"]);
    expect(result.overlays[1]!.images).toEqual(["ghcr.io/bbengt1/argusai-backend:1.5.0", "ghcr.io/bbengt1/argusai-frontend:1.5.0"]);
  });

  it("removes an environment and its overlay on request, but never its secrets (nor the .gitignore that hides them)", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const result = await generate({ dir, removeEnvironments: ["dev"], renderer });
    expect(result.deleted).toEqual([
      "overlays/dev/kustomization.yaml",
      "overlays/dev/namespace.yaml",
      "overlays/dev/patches/backend-deployment.yaml",
      "overlays/dev/patches/data-pvc.yaml",
      "overlays/dev/patches/frontend-deployment.yaml",
    ]);
    expect(result.kept).toEqual(["overlays/dev/secrets.env"]);
    expect([...(await snapshotTree(dir)).keys()].filter((file) => file.startsWith("overlays/dev"))).toEqual([
      "overlays/dev/.gitignore",
      "overlays/dev/secrets.env",
    ]);
    expect((await readRecord(dir)).files.some((file) => file.startsWith("overlays/dev"))).toBe(false);
    await expect(generate({ dir, removeEnvironments: ["qa"], renderer })).rejects.toThrow(/there is no environment "qa" to remove \(have: prod\)/);
  });

  it("can replace or remove a recorded environment whose file was moved away, and names the record otherwise", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "staging.yaml");
    await writeFile(envFile, "name: staging\nnamespace: argusai-staging\nsecret: { mode: existing }\n");
    await generate({ dir, envFiles: [envFile], renderer });
    const moved = path.join(dir, "moved.yaml");
    await rename(envFile, moved);
    await expect(check({ dir })).rejects.toThrow(
      /staging.yaml: environment "staging": .argusai-kustomize.json records environment "staging" from .*staging.yaml, which cannot be read \(ENOENT: it does not exist: check the path \(relative paths are from the directory you run the command in\)\); restore it, pass its new path with --env-file, or drop it with --remove-env staging/,
    );
    await generate({ dir, envFiles: [moved], renderer });
    expect((await readRecord(dir)).environments).toEqual([{ builtin: "dev" }, { builtin: "prod" }, { file: "moved.yaml", name: "staging" }]);
    await rm(moved);
    await generate({ dir, removeEnvironments: ["staging"], renderer });
    expect(await check({ dir })).toEqual([]);
  });

  it("an environment file replaces its own recorded entry first, even after its environment was renamed", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "qa.yaml");
    await writeFile(envFile, "name: qa\nnamespace: argusai-qa\nsecret: { mode: existing }\n");
    await generate({ dir, envFiles: [envFile], renderer });
    await writeFile(envFile, "name: uat\nnamespace: argusai-uat\nsecret: { mode: existing }\n");
    const result = await generate({ dir, envFiles: [envFile], renderer });
    expect(result.overlays.map((overlay) => overlay.environment)).toEqual(["dev", "prod", "uat"]);
    expect(result.deleted).toContain("overlays/qa/kustomization.yaml");
  });

  it("refuses a damaged record instead of forgetting environments", async () => {
    const dir = await tempDir();
    await generate({ dir, environments: [devEnvironment(), prodEnvironment(), staging], renderer });
    const record = path.join(dir, ".argusai-kustomize.json");
    const text = await readFile(record, "utf8");
    for (const damaged of [`<<<<<<< HEAD\n${text}=======\n${text}>>>>>>> other\n`, text.replace('"builtin": "prod"', '"builtn": "prod"')]) {
      await writeFile(record, damaged);
      const before = await snapshotTree(dir);
      const error = await generate({ dir, renderer }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as ArgusKustomizeError).code).toBe("INVALID_SPEC");
      expect((error as ArgusKustomizeError).message).toMatch(/the record is damaged .*; restore it \(git checkout -- .argusai-kustomize.json\)/);
      expect(await snapshotTree(dir)).toEqual(before);
      await expect(check({ dir })).rejects.toThrow(/the record is damaged/);
    }
  });
});

describe("render", () => {
  it("names the missing dev secrets file of a fresh clone instead of failing inside kustomize", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await rm(path.join(dir, "overlays/dev/secrets.env"));
    const error = await render("dev", { dir, renderer }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("TREE_INCOMPLETE");
    expect((error as ArgusKustomizeError).message).toMatch(/overlays\/dev\/secrets.env is missing: .* run argusai-kustomize generate to create it/);
    // prod has no seed and renders.
    expect((await render("prod", { dir, renderer })).objects.length).toBe(8);
  });
});
