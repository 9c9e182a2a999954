import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { overlayDir } from "../kustomize/compile.js";
import { withOsErrors } from "../os-errors.js";
import { findRenderer, renderKustomization, type Rendered } from "../render/kustomize.js";
import { assertComplete, assertGenerated, assertNotInterrupted, listOverlays, renderConsistently } from "../render/on-disk.js";
import { readRecord } from "../tree/record.js";
import { openTree, type ReadTreeOptions } from "./tree.js";

/** Options of {@link render}. */
export type RenderOptions = ReadTreeOptions;

/**
 * Renders `overlays/<environment>` of the tree as it is on disk.
 *
 * @throws ArgusKustomizeError USAGE when there is no such overlay, INVALID_SPEC when the record is
 * damaged, TREE_INCOMPLETE when the tree was never generated, its overlay is missing, a generate
 * was interrupted or this machine lacks the overlay's seed files (dev's secrets.env)
 */
export async function render(environment: string, options: RenderOptions = {}): Promise<Rendered> {
  return withOsErrors(async () => {
    const { dir } = await openTree(options);
    // The tree's environments are the ones its record owns an overlay of: a removed environment's
    // directory may remain (with its secrets.env, which generate never deletes). A damaged record
    // is reported as such: it is not the same as a missing overlay.
    const owned = new Set((await readRecord(dir)).files);
    // A tree never generated, or an overlay the record owns that is not on disk: say so and how to fix it.
    await assertNotInterrupted(dir, environment);
    await assertGenerated(dir, owned.has(`${overlayDir(environment)}/kustomization.yaml`) ? [environment] : []);
    const existing = (await listOverlays(dir)).filter((name) => owned.has(`${overlayDir(name)}/kustomization.yaml`));
    if (!existing.includes(environment)) {
      throw new ArgusKustomizeError(
        "USAGE",
        `no overlay "${environment}" in ${path.join(dir, "overlays")} (found: ${existing.join(", ") || "none"}; run generate first)`,
        { location: { environment } },
      );
    }
    const renderer = options.renderer ?? findRenderer();
    return renderConsistently(dir, async () => {
      await assertComplete(dir, environment);
      return renderKustomization(path.join(dir, overlayDir(environment)), renderer);
    });
  });
}
