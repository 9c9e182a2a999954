/**
 * The record makes a tree reproducible however it was made: from a script, from environment
 * files, or from the built-ins; and the repository's own committed tree is what generate writes.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../src/errors.js";
import { devEnvironment, prodEnvironment } from "../src/model/environments.js";
import { check, generate, render } from "../src/pipeline.js";
import { readRecord } from "../src/write/record.js";
import { renderer, snapshotTree, tempDir } from "./helpers.js";

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
    expect((await readRecord(dir)).environments).toEqual([{ builtin: "dev" }, { builtin: "prod" }, { file: "envs/staging.yaml" }]);
    expect(await check({ dir })).toEqual([]);

    await writeFile(envFile, "name: staging\nnamespace: argusai-staging\nsecret:\n  mode: existing\nreplicas:\n  frontend: 3\n");
    expect((await check({ dir })).map((drift) => `${drift.status} ${drift.path}`)).toEqual(["changed overlays/staging/kustomization.yaml"]);
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

  it("removes an environment, its overlay and its seed, on request only", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const result = await generate({ dir, removeEnvironments: ["dev"], renderer });
    expect(result.deleted).toEqual([
      "overlays/dev/.gitignore",
      "overlays/dev/kustomization.yaml",
      "overlays/dev/namespace.yaml",
      "overlays/dev/patches/backend-deployment.yaml",
      "overlays/dev/patches/data-pvc.yaml",
      "overlays/dev/patches/frontend-deployment.yaml",
      "overlays/dev/secrets.env",
    ]);
    expect([...(await snapshotTree(dir)).keys()].some((file) => file.startsWith("overlays/dev"))).toBe(false);
    await expect(generate({ dir, removeEnvironments: ["qa"], renderer })).rejects.toThrow(/there is no environment "qa" to remove \(have: prod\)/);
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
