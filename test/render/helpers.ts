import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { kubectlRenderer, type Renderer } from "../../src/render/kustomize.js";
import { renderer as realRenderer, tempDir } from "../helpers.js";

/**
 * A renderer that counts its renders: a shell script that appends its arguments to a log and execs
 * the real renderer, so everything it prints is the real kustomize's. `versions()` counts the
 * version queries the render cache makes of a script renderer.
 */
export async function countingRenderer(
  name = "kubectl-counting",
): Promise<{ renderer: Renderer; runs: () => Promise<string[]>; versions: () => Promise<string[]> }> {
  const dir = await tempDir("argusai-kustomize-counting-");
  const log = path.join(dir, "runs.log");
  const script = path.join(dir, name);
  await writeFile(log, "");
  // The real renderer's own arguments (kubectl: "kustomize"; kustomize: "build") are passed on.
  await writeFile(script, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realRenderer.binary}' "$@"\n`);
  await chmod(script, 0o755);
  const renderer = { ...kubectlRenderer(script), args: realRenderer.args, label: realRenderer.label };
  return {
    renderer,
    // Renders only: the cache asks a script renderer (like this one) for its version once per run.
    runs: async () => (await readFile(log, "utf8")).split("\n").filter((line) => line !== "" && !line.startsWith("version")),
    versions: async () => (await readFile(log, "utf8")).split("\n").filter((line) => line.startsWith("version")),
  };
}
