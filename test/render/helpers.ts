import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { kubectlRenderer, type Renderer } from "../../src/render/kustomize.js";
import { renderer as realRenderer, tempDir } from "../helpers.js";

/**
 * A renderer that counts its runs: a shell script that appends its arguments to a log and execs
 * the real renderer, so everything it prints is the real kustomize's.
 */
export async function countingRenderer(name = "kubectl-counting"): Promise<{ renderer: Renderer; runs: () => Promise<string[]> }> {
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
    runs: async () => (await readFile(log, "utf8")).split("\n").filter((line) => line !== ""),
  };
}
