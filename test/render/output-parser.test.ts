/**
 * kustomize's output is read with js-yaml's core schema (fast), the rest of the project reads YAML
 * with the `yaml` library: both must give the same objects for anything kustomize prints. The
 * oracle is kustomize itself: what it prints for strings that look like other types (it quotes
 * them, as its Go writer resolves them), and for the built-in overlays.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseStream, renderKustomization, runKustomize } from "../../src/render/kustomize.js";
import { generatedTree, renderer, tempDir } from "../helpers.js";

/** What the `yaml` library reads, document by document, empty ones dropped. */
function withYamlLibrary(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}

// Strings every YAML version or library reads as something else when left plain.
const LOOKALIKES = [
  ...["true", "false", "True", "FALSE", "yes", "no", "on", "off", "y", "n", "Y", "N", "null", "Null", "~", ""],
  ...["0", "-0", "+1", "012", "0o17", "0x1F", "0b101", "1_000", "1e3", "1E-3", ".5", "-.5", "1.", "+.inf", "-.Inf", ".nan", ".NaN"],
  ...["2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30:45", "190:20:30", "1:20", "<<", "=", "!tag", "&anchor", "*alias", "@at", "`tick"],
  ...["- item", "key: value", "# comment", "a #b", "{a: 1}", "[1, 2]", "'quoted'", '"double"', "|", ">", "multi\nline", " lead", "trail ", "tab\t"],
];

describe("reading kustomize's output", () => {
  it("gives the objects the yaml library gives, and every lookalike string stays the string it was", async () => {
    const extra = fc.sample(fc.string({ unit: "grapheme-ascii", maxLength: 12 }), { numRuns: 300, seed: 20261201 });
    const values = [...new Set([...LOOKALIKES, ...extra])];
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    const data = Object.fromEntries(values.map((value, index) => [`k${index}`, value]));
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lookalikes", labels: { on: "yes" } }, data };
    await writeFile(path.join(dir, "configmap.json"), JSON.stringify(configMap));
    await writeFile(path.join(dir, "kustomization.yaml"), "resources:\n  - configmap.json\n");
    const { yaml } = await runKustomize(dir, renderer);
    const objects = parseStream(yaml, dir);
    expect(objects).toEqual(withYamlLibrary(yaml));
    expect(objects).toEqual([configMap]);
  });

  it("gives the objects the yaml library gives for the built-in overlays", async () => {
    // A generated copy, not this checkout's overlays: a fresh clone has no dev secrets.env (it is a seed, ignored by git).
    const tree = await generatedTree();
    for (const overlay of ["overlays/dev", "overlays/prod"]) {
      const { yaml, objects } = await renderKustomization(path.join(tree, overlay), renderer);
      expect(objects.length, overlay).toBeGreaterThan(5);
      expect(objects, overlay).toEqual(withYamlLibrary(yaml));
    }
  });

  it("says the output is unparsable, naming where it came from", () => {
    expect(() => parseStream("a: [1\n", "overlays/x")).toThrow(/unparsable output/);
  });
});
