/**
 * Golden renders, compared whole as kustomize's own krusty tests compare them: for every example
 * environment file, the complete `kubectl kustomize` output of its overlay must equal
 * test/golden/<example>.yaml byte for byte. The field-by-field tests say what must be there; these
 * say that nothing else changed. A difference is either a regression or an intended change: then
 * regenerate with `UPDATE_GOLDEN=1 npx vitest run test/render/golden.test.ts`, read the diff of
 * test/golden/ line by line, and commit it with the change that caused it.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { renderer, tempDir } from "../helpers.js";

const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const IN_CI = Boolean(process.env["CI"]) || Boolean(process.env["ARGUSAI_CI"]);
const GOLDEN = path.resolve("test/golden");
const EXAMPLES = (await readdir("examples")).filter((name) => /\.ya?ml$/.test(name)).sort();

let dir: string;

beforeAll(async () => {
  dir = await tempDir("argusai-golden-");
  await generate({ dir, renderer, envFiles: EXAMPLES.map((name) => path.resolve("examples", name)) });

  it("has a golden file for every example and none for an example that is gone", async () => {
    const goldens = (await readdir(GOLDEN)).filter((name) => name.endsWith(".yaml")).sort();
    expect(goldens).toEqual(EXAMPLES.map((name) => name.replace(/\.ya?ml$/, ".yaml")));
  });
});

describe("golden renders of examples/*.yaml", () => {
  it("the update switch is off in CI", () => {
    expect(IN_CI && UPDATE, "UPDATE_GOLDEN=1 rewrites the expected renders: never in CI").toBe(false);
  });

  it.each(EXAMPLES)("%s renders exactly as test/golden says", async (example) => {
    const { name } = parse(await readFile(path.join("examples", example), "utf8")) as { name: string };
    const rendered = await renderKustomization(path.join(dir, "overlays", name), renderer);
    expect(rendered.warnings).toEqual([]);
    const golden = path.join(GOLDEN, example.replace(/\.ya?ml$/, ".yaml"));
    if (UPDATE) await writeFile(golden, rendered.yaml);
    expect(rendered.yaml).toBe(await readFile(golden, "utf8"));
  });

  it("has a golden file for every example and none for an example that is gone", async () => {
    const goldens = (await readdir(GOLDEN)).filter((name) => name.endsWith(".yaml")).sort();
    expect(goldens).toEqual(EXAMPLES.map((name) => name.replace(/\.ya?ml$/, ".yaml")));
  });
});
