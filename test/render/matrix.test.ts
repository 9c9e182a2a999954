/**
 * Every overlay renders identically, and without a warning, on every kustomize this machine has:
 * kubectl 1.27 ... 1.33 (kustomize 5.0.1 ... 5.6.0) beside the gcloud kubectl, the default
 * renderer, and the standalone kustomize that Argo CD runs. Missing versions are reported, never
 * silently passed over.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/pipeline.js";
import { kubectlRenderer, kustomizeRenderer, renderKustomization, type Renderer } from "../../src/render/kustomize.js";
import { renderer, STANDALONE_KUSTOMIZE, tempDir } from "../helpers.js";

const VERSIONED_DIR = process.env["KUBECTL_MATRIX_DIR"] ?? "/usr/lib/google-cloud-sdk/bin";
const VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];

/** Every renderer of the matrix, with the binary it needs (undefined: not on this machine). */
const matrix: Array<{ name: string; renderer: Renderer | undefined }> = [
  ...VERSIONS.map((version) => {
    const binary = path.join(VERSIONED_DIR, `kubectl.${version}`);
    return { name: `kubectl.${version} kustomize`, renderer: existsSync(binary) ? kubectlRenderer(binary) : undefined };
  }),
  {
    name: "standalone kustomize build",
    renderer: STANDALONE_KUSTOMIZE !== undefined ? kustomizeRenderer(STANDALONE_KUSTOMIZE) : undefined,
  },
];

let dir: string;
const reference: Record<string, string> = {};

beforeAll(async () => {
  dir = await tempDir();
  await generate({ dir, renderer });
  for (const overlay of ["base", "overlays/dev", "overlays/prod"]) {
    reference[overlay] = (await renderKustomization(path.join(dir, overlay), renderer)).yaml;
  }
});

describe.each(matrix)("kustomize matrix: $name", ({ name, renderer: matrixRenderer }) => {
  // A missing binary shows up as skipped tests named after it, never as a silent pass.
  it.skipIf(matrixRenderer === undefined).each(["base", "overlays/dev", "overlays/prod"])(
    `renders %s identically to the default renderer, with no warning${matrixRenderer === undefined ? ` (skipped: ${name} is not installed)` : ""}`,
    async (overlay) => {
      const result = await renderKustomization(path.join(dir, overlay), matrixRenderer!);
      expect(result.warnings).toEqual([]);
      expect(result.yaml).toBe(reference[overlay]);
    },
  );
});
