/**
 * The validation cache: a result is remembered by exactly what it judged (the rendered YAML's
 * bytes, the policy context, the validator's version); any other byte, context or version is
 * judged afresh; a damaged entry is a miss. Renders are real (kubectl kustomize of a generated
 * tree); results are compared with an uncached validation of the same render.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { computeCodeVersion } from "../../src/code-version.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { generate } from "../../src/index.js";
import { openRenderCache } from "../../src/render/cache.js";
import { parseStream, renderKustomization, type Rendered } from "../../src/render/kustomize.js";
import { validateCached, validationKey, validationStoreOf } from "../../src/validate/cache.js";
import { policyContextOf, validateRendered } from "../../src/validate/validate.js";
import { renderer, tempDir } from "../helpers.js";

let prod: Rendered;
const prodContext = policyContextOf(prodEnvironment());

beforeAll(async () => {
  const dir = await tempDir();
  await generate({ dir, renderer, cache: false, environments: [devEnvironment(), prodEnvironment({ image: { tag: "1.4.2" } })] });
  prod = await renderKustomization(path.join(dir, "overlays/prod"), renderer);
});

/** `rendered` with one Deployment's container made to run as root: a real violation. */
function withRootContainer(rendered: Rendered): Rendered {
  const yaml = rendered.yaml.replace("runAsNonRoot: true", "runAsNonRoot: false");
  expect(yaml).not.toBe(rendered.yaml);
  return { yaml, objects: parseStream(yaml, "test"), warnings: [] };
}

async function storeIn(dir: string) {
  const store = validationStoreOf(openRenderCache(dir));
  if (store === false) throw new Error("no store");
  return store;
}

/** Every entry file of the validation store. */
async function entryFiles(cacheDir: string): Promise<string[]> {
  const root = path.join(cacheDir, "validation");
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe("validation cache", () => {
  it("gives back what validation found, for a clean overlay and for one with violations", async () => {
    const cacheDir = await tempDir();
    const store = await storeIn(cacheDir);
    const broken = withRootContainer(prod);
    for (const rendered of [prod, broken]) {
      const truth = await validateRendered(rendered.objects, prodContext);
      expect(await validateCached(rendered, prodContext, store)).toEqual(truth);
      expect(await validateCached(rendered, prodContext, store)).toEqual(truth);
    }
    expect((await validateRendered(broken.objects, prodContext)).map((violation) => violation.policy)).toContain("pss-run-as-non-root");
    expect(await entryFiles(cacheDir)).toHaveLength(2);
  });

  it("answers from the entry on a hit (an entry planted under the exact key is what comes back)", async () => {
    const store = await storeIn(await tempDir());
    const planted = [{ policy: "planted", object: "Deployment/x", field: "spec", message: "from the cache", fix: "none" }];
    await store.write(validationKey(prod.yaml, prodContext), planted);
    expect(await validateCached(prod, prodContext, store)).toEqual(planted);
  });

  it("is keyed by every byte of the YAML, by the policy context and by the validator's version", async () => {
    const planted = [{ policy: "planted", object: "Deployment/x", field: "spec", message: "from the cache", fix: "none" }];
    const store = await storeIn(await tempDir());
    await store.write(validationKey(prod.yaml, prodContext), planted);
    // One more byte (a comment kustomize would never print, but bytes are bytes): judged afresh.
    const edited: Rendered = { ...prod, yaml: `${prod.yaml}# one more line\n` };
    expect(await validateCached(edited, prodContext, store)).toEqual(await validateRendered(prod.objects, prodContext));
    // Another context (not production): judged afresh, and production-only policies do not apply.
    const devContext = policyContextOf(devEnvironment());
    expect(validationKey(prod.yaml, devContext)).not.toBe(validationKey(prod.yaml, prodContext));
    expect(await validateCached(prod, devContext, store)).toEqual(await validateRendered(prod.objects, devContext));
  });

  it("the validator's version changes with any byte of the code and with the package's version", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "package.json"), JSON.stringify({ name: "argusai-kustomize", version: "1.0.0" }));
    await mkdir(path.join(root, "dist/validate"), { recursive: true });
    const policy = path.join(root, "dist/validate/policies.js");
    const module = path.join(root, "dist/code-version.js");
    await writeFile(policy, "export const rule = 1;\n");
    await writeFile(module, "// the module itself\n");
    const first = computeCodeVersion(module);
    expect(computeCodeVersion(module)).toBe(first);
    await writeFile(policy, "export const rule = 2;\n");
    const second = computeCodeVersion(module);
    expect(second).not.toBe(first);
    await writeFile(path.join(root, "package.json"), JSON.stringify({ name: "argusai-kustomize", version: "1.0.1" }));
    expect(computeCodeVersion(module)).not.toBe(second);
    // Declarations and maps are not code: they do not change the version.
    const third = computeCodeVersion(module);
    await writeFile(path.join(root, "dist/validate/policies.d.ts"), "export declare const rule: number;\n");
    expect(computeCodeVersion(module)).toBe(third);
    // The vendored CRD schemas are what custom resources are judged by: they count too.
    await mkdir(path.join(root, "schema/crds"), { recursive: true });
    await writeFile(path.join(root, "schema/crds/example.io_v1_Thing.json"), '{"openAPIV3Schema":{"type":"object"}}\n');
    const withCrd = computeCodeVersion(module);
    expect(withCrd).not.toBe(third);
    await writeFile(path.join(root, "schema/crds/example.io_v1_Thing.json"), '{"openAPIV3Schema":{"type":"string"}}\n');
    expect(computeCodeVersion(module)).not.toBe(withCrd);
    // The bundled CLI is its own code: dist/bin/ (entry and chunks), not the library beside it.
    await mkdir(path.join(root, "dist/bin/chunks"), { recursive: true });
    const bin = path.join(root, "dist/bin/cli.js");
    await writeFile(bin, "// the bundle\n");
    await writeFile(path.join(root, "dist/bin/chunks/policies.js"), "export const rule = 1;\n");
    const bundled = computeCodeVersion(bin);
    await writeFile(policy, "export const rule = 3;\n");
    expect(computeCodeVersion(bin)).toBe(bundled);
    expect(computeCodeVersion(module)).not.toBe(third);
    const library = computeCodeVersion(module);
    await writeFile(path.join(root, "dist/bin/chunks/policies.js"), "export const rule = 2;\n");
    expect(computeCodeVersion(bin)).not.toBe(bundled);
    expect(computeCodeVersion(module)).toBe(library);
  });

  it("a truncated, garbage or other key's entry, or one whose payload is not a list of violations, is a miss: the real result comes back", async () => {
    const cacheDir = await tempDir();
    const store = await storeIn(cacheDir);
    const broken = withRootContainer(prod);
    const truth = await validateRendered(broken.objects, prodContext);
    await validateCached(broken, prodContext, store);
    const [file] = await entryFiles(cacheDir);
    const good = await readFile(file!, "utf8");
    const key = path.basename(file!, ".json");
    const damaged = [
      good.slice(0, good.length - 10),
      "garbage",
      good.replace(key, "f".repeat(64)),
      JSON.stringify({ format: JSON.parse(good).format, key, payload: "valid" }),
      JSON.stringify({ format: JSON.parse(good).format, key, payload: [{ policy: 1 }] }),
    ];
    for (const text of damaged) {
      await writeFile(file!, text);
      expect(await validateCached(broken, prodContext, store), text.slice(0, 40)).toEqual(truth);
    }
    // ...and the miss wrote the real result back.
    expect(JSON.parse(await readFile(file!, "utf8")).payload).toEqual(truth);
  });

  it("false validates every time and stores nothing", async () => {
    expect(await validateCached(prod, prodContext, false)).toEqual(await validateRendered(prod.objects, prodContext));
    expect(validationStoreOf(false)).toBe(false);
  });
});
