/**
 * What kustomize really does with odd characters in a configMapGenerator literal written by this
 * library (the real renderer, never a mock), and that every character it changes or fails on is
 * refused at the spec, naming the field, before kustomize runs.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError, formatProblem } from "../../src/errors.js";
import { configValueProblem } from "../../src/model/config-data.js";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { toYaml } from "../../src/write/yaml.js";
import { findObject, renderer, snapshotTree, tempDir } from "../helpers.js";

/** Renders one literal `K=<value>`: the value kustomize put in the ConfigMap, or its failure. */
async function kustomizeLiteral(root: string, name: string, value: string): Promise<{ value: unknown } | { failed: string }> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const kustomization = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", configMapGenerator: [{ name: "c", literals: [`K=${value}`] }] };
  await writeFile(path.join(dir, "kustomization.yaml"), toYaml([kustomization]));
  try {
    const rendered = await renderKustomization(dir, renderer);
    return { value: (rendered.objects[0]?.["data"] as Record<string, unknown> | undefined)?.["K"] };
  } catch (error) {
    return { failed: (error as Error).message };
  }
}

// Measured on kustomize 5.0.1 and 5.5.0: these fail or come back changed.
const KUSTOMIZE_BREAKS: Array<[string, string]> = [
  ["DEL", "a\u007fb"],
  ["C1 U+0080", "a\u0080b"],
  ["C1 U+009F", "a\u009fb"],
  ["NEL U+0085", "a\u0085b"],
  ["line separator", "a\u2028b"],
  ["paragraph separator", "a\u2029b"],
  ["lone high surrogate", "a\ud800b"],
  ["lone low surrogate", "a\udc00b"],
  ["U+FFFE", "a\ufffeb"],
  ["U+FFFF", "a\uffffb"],
];
// These come back unchanged, and are refused by policy (NUL cannot be in an environment variable;
// other controls are invisible in logs and terminals).
const REFUSED_BY_POLICY: Array<[string, string]> = [
  ["NUL", "a\u0000b"],
  ["ESC sequence", "a\u001b[31mb"],
  ["line feed", "a\nb"],
  ["carriage return", "a\rb"],
];
// These come back unchanged and are accepted.
const ACCEPTED: Array<[string, string]> = [
  ["tab", "a\tb"],
  ["no-break space", "a\u00a0b"],
  ["emoji", "a😀b"],
  ["BOM inside", "a\ufeffb"],
  ["equals sign", "a=b"],
  ["hash", "a #b"],
  ["spaces around", " a "],
  ["backslash n", "a\\nb"],
  ["one quote", "'a"],
  ["empty", ""],
];

describe("odd characters in config values, with the real kustomize", () => {
  it.each(KUSTOMIZE_BREAKS)("%s: kustomize fails or changes it, and the spec refuses it", async (name, value) => {
    const result = await kustomizeLiteral(await tempDir(), name.replace(/\W/g, "-"), value);
    expect("failed" in result || result.value !== value).toBe(true);
    expect(configValueProblem(value)).toBeDefined();
  });

  it.each(REFUSED_BY_POLICY)("%s: kustomize keeps it, the spec refuses it", async (name, value) => {
    expect(await kustomizeLiteral(await tempDir(), name.replace(/\W/g, "-"), value)).toEqual({ value });
    expect(configValueProblem(value)).toBeDefined();
  });

  it.each(ACCEPTED)("%s: kustomize keeps it, the spec accepts it", async (name, value) => {
    expect(await kustomizeLiteral(await tempDir(), name.replace(/\W/g, "-"), value)).toEqual({ value });
    expect(configValueProblem(value)).toBeUndefined();
  });

  it("generate refuses a value kustomize would fail on with INVALID_SPEC naming the field, before kustomize runs; accepted values render unchanged", async () => {
    const dir = await tempDir();
    const spec = { name: "odd", namespace: "argusai-odd", secret: { mode: "existing" as const } };
    await generate({ dir, environments: [spec], renderer });
    const before = await snapshotTree(dir);
    const error = await generate({ dir, environments: [{ ...spec, config: { OK: "fine", BAD: "a\u2028b" } }], renderer }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("INVALID_SPEC");
    expect((error as ArgusKustomizeError).problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^environment "odd", field config\.BAD: holds U\+2028 \(line separator\) at position 2: kustomize fails on it$/),
    ]);
    expect(await snapshotTree(dir)).toEqual(before);

    const config = Object.fromEntries(ACCEPTED.map(([name, value]) => [name.replace(/\W/g, "_"), value]));
    await generate({ dir, environments: [{ ...spec, config }], renderer });
    const rendered = await renderKustomization(path.join(dir, "overlays/odd"), renderer);
    const data = findObject(rendered.objects, "ConfigMap", "argusai-config", true)["data"] as Record<string, string>;
    for (const [key, value] of Object.entries(config)) expect(data[key], key).toBe(value);
  });
});
