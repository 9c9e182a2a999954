import { createTwoFilesPatch } from "diff";
import { diffObjects, type ObjectsDiff, type RenderedObject } from "../diff/objects.js";
import { ArgusKustomizeError } from "../errors.js";
import { compileTree, overlayDir } from "../kustomize/compile.js";
import { withOsErrors } from "../os-errors.js";
import { findRenderer } from "../render/kustomize.js";
import { assertGenerated, assertNotInterrupted, renderConsistently, renderWithSeeds } from "../render/on-disk.js";
import { resolveEnvironments } from "../tree/resolve-environments.js";
import { toYaml } from "../write/yaml.js";
import { openTree, type ReadTreeOptions } from "./tree.js";

/** Options of {@link diffEnvironments}. */
export interface DiffOptions extends ReadTreeOptions {
  /**
   * Also return a unified diff of the two rendered overlays (Secret values masked).
   * @default false
   */
  readonly unified?: boolean;
}

/** What environment `to` changes from environment `from`. */
export interface EnvironmentsDiff extends ObjectsDiff {
  readonly from: string;
  readonly to: string;
  /** The unified diff of the rendered YAML, when asked for; "" when they render the same. */
  readonly unified?: string;
}

/**
 * Renders `overlays/<from>` and `overlays/<to>` of the tree as they are on disk and
 * compares the objects (see diffObjects). A missing dev secrets.env is stood in for, as validate does.
 *
 * @throws ArgusKustomizeError USAGE for an environment the tree does not have, TREE_INCOMPLETE for
 * a tree never generated or an overlay missing from disk
 * @example
 * const { changed } = await diffEnvironments("staging", "prod", { dir: "deploy" });
 */
export async function diffEnvironments(from: string, to: string, options: DiffOptions = {}): Promise<EnvironmentsDiff> {
  return withOsErrors(() => diffTree(from, to, options));
}

async function diffTree(from: string, to: string, options: DiffOptions): Promise<EnvironmentsDiff> {
  const tree = await openTree(options);
  const dir = tree.dir;
  const { specs } = await resolveEnvironments(tree.options);
  for (const name of [from, to]) {
    if (!specs.some((spec) => spec.name === name)) {
      throw new ArgusKustomizeError("USAGE", `the tree has no environment "${name}" (have: ${specs.map((spec) => spec.name).join(", ")})`, {
        location: { environment: name },
      });
    }
  }
  await assertNotInterrupted(dir);
  await assertGenerated(dir, [from, to]);
  const renderer = options.renderer ?? findRenderer();
  const plan = compileTree(tree.base, specs, { validated: true });
  const render = (name: string) =>
    renderConsistently(dir, () =>
      renderWithSeeds(
        dir,
        name,
        plan.seeds.filter((seed) => seed.path.startsWith(`${overlayDir(name)}/`)),
        renderer,
      ),
    );
  const [a, b] = await Promise.all([render(from), render(to)]);
  for (const [name, rendered] of [
    [from, a],
    [to, b],
  ] as const) {
    if (rendered.warnings.length > 0) {
      throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
        location: { environment: name, file: overlayDir(name) },
      });
    }
  }
  const objectsA = a.objects.map(masked);
  const objectsB = b.objects.map(masked);
  const result = diffObjects(objectsA, objectsB);
  if (options.unified !== true) return { from, to, ...result };
  const textA = toYaml(objectsA);
  const textB = toYaml(objectsB);
  const unified =
    textA === textB
      ? ""
      : createTwoFilesPatch(overlayDir(from), overlayDir(to), textA, textB, undefined, undefined, {
          headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
        });
  return { from, to, ...result, unified };
}

/**
 * A Secret with its values replaced by a fingerprint-free marker: a diff is printed and piped
 * into CI logs, and dev's values are this machine's secrets. That a value exists still shows.
 */
function masked(object: Readonly<Record<string, unknown>>): RenderedObject {
  if (object["kind"] !== "Secret") return object;
  const hide = (values: unknown) =>
    typeof values === "object" && values !== null ? Object.fromEntries(Object.keys(values).map((key) => [key, "(secret value)"])) : values;
  return {
    ...object,
    ...(object["data"] !== undefined ? { data: hide(object["data"]) } : {}),
    ...(object["stringData"] !== undefined ? { stringData: hide(object["stringData"]) } : {}),
  };
}
