/**
 * The renderer runs with GOGC=400 (less of kustomize's time in Go's garbage collector; the output
 * does not depend on it) unless the user set a GOGC: for one overlay and for a batched group.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderOverlays } from "../../src/render/batch.js";
import { kubectlRenderer, renderKustomization } from "../../src/render/kustomize.js";
import { generatedTree, renderer as realRenderer, tempDir } from "../helpers.js";

/** A renderer that logs the GOGC it was started with, then runs the real one. */
async function gogcLoggingRenderer() {
  const dir = await tempDir("argusai-kustomize-gogc-");
  const log = path.join(dir, "gogc.log");
  const script = path.join(dir, "kubectl-gogc");
  await writeFile(log, "");
  await writeFile(script, `#!/bin/sh\ncase "$1" in version) ;; *) printf '%s\\n' "\${GOGC-unset}" >> '${log}';; esac\nexec '${realRenderer.binary}' "$@"\n`);
  await chmod(script, 0o755);
  return {
    renderer: { ...kubectlRenderer(script), args: realRenderer.args, label: realRenderer.label },
    seen: async () => (await readFile(log, "utf8")).split("\n").filter((line) => line !== ""),
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the renderer's GOGC", () => {
  it("is 400 for one overlay and for a batched group, unless the user set one", async () => {
    const tree = await generatedTree();
    const jobs = ["dev", "prod"].map((environment) => ({ environment, dir: path.join(tree, "overlays", environment) }));
    vi.stubEnv("GOGC", undefined);
    const defaults = await gogcLoggingRenderer();
    await renderKustomization(jobs[0]!.dir, defaults.renderer);
    await renderOverlays(jobs, { renderer: defaults.renderer, cache: false, groupSize: 2 }, () => undefined);
    expect(await defaults.seen()).toEqual(["400", "400"]);

    vi.stubEnv("GOGC", "150");
    const users = await gogcLoggingRenderer();
    await renderKustomization(jobs[0]!.dir, users.renderer);
    await renderOverlays(jobs, { renderer: users.renderer, cache: false, groupSize: 2 }, () => undefined);
    expect(await users.seen()).toEqual(["150", "150"]);
  });
});
