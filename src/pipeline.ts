import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "./errors.js";
import { compileTree, overlayDir } from "./kustomize/compile.js";
import { argusBase, type ArgusBase } from "./model/base.js";
import { loadEnvironments, type EnvironmentSource, type EnvironmentSpec } from "./model/environment.js";
import { environmentSourceFromText } from "./model/environment-file.js";
import { builtInEnvironments } from "./model/environments.js";
import { findRenderer, renderKustomization, type Rendered, type Renderer } from "./render/kustomize.js";
import { findDrift, treeContents, writeTree, type TreeDrift, type WriteTreeResult } from "./write/tree.js";

/** Options shared by generate, check and render. */
export interface TreeOptions {
  /**
   * The directory holding `base/` and `overlays/`.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * The environments to write, one overlay each.
   * @default [devEnvironment(), prodEnvironment()]
   */
  readonly environments?: readonly EnvironmentSpec[];
  /**
   * Environment files (YAML or JSON, one environment each) to add to `environments`.
   * @default []
   */
  readonly envFiles?: readonly string[];
  /** The base model; tests and scripts may pass a modified one. @default argusBase() */
  readonly base?: ArgusBase;
}

/**
 * The environments of a run: the given specs (or dev and prod) plus every environment file, all
 * validated together so every problem of every spec is reported at once.
 *
 * @throws ArgusKustomizeError INVALID_SPEC
 */
export async function resolveEnvironments(options: TreeOptions = {}): Promise<EnvironmentSpec[]> {
  const sources: EnvironmentSource[] = (options.environments ?? builtInEnvironments()).map((spec) => ({ spec }));
  for (const file of options.envFiles ?? []) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new ArgusKustomizeError("INVALID_SPEC", `cannot read the environment file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
        location: { file },
      });
    }
    sources.push(environmentSourceFromText(text, file));
  }
  return loadEnvironments(sources);
}

/** What one rendered overlay contains, for the summary line. */
export interface OverlaySummary {
  readonly environment: string;
  readonly dir: string;
  readonly namespaces: readonly string[];
  readonly objects: number;
  readonly images: readonly string[];
}

/** The result of {@link generate}. */
export interface GenerateResult extends WriteTreeResult {
  readonly dir: string;
  readonly renderer: string;
  readonly overlays: readonly OverlaySummary[];
}

/**
 * Writes `base/` and one overlay per environment into `dir`, after rendering every overlay of
 * the staged tree with the real kustomize (any error or warning aborts, and nothing in `dir`
 * changes).
 *
 * @example
 * import { generate, devEnvironment, prodEnvironment } from "argusai-kustomize";
 * await generate({ dir: "deploy", environments: [devEnvironment(), prodEnvironment({ image: { tag: "1.4.2" } })] });
 */
export async function generate(options: TreeOptions & { readonly renderer?: Renderer } = {}): Promise<GenerateResult> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const plan = compileTree(options.base ?? argusBase(), await resolveEnvironments(options));
  const renderer = options.renderer ?? findRenderer();
  const overlays: OverlaySummary[] = [];
  const result = await writeTree(dir, treeContents(plan), plan.seeds, {
    verify: async (staging) => {
      const renders = await Promise.all(
        plan.overlays.map(async (overlay) => ({ overlay, rendered: await renderKustomization(path.join(staging, overlay.dir), renderer) })),
      );
      for (const { overlay, rendered } of renders) {
        if (rendered.warnings.length > 0) {
          throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
            location: { environment: overlay.environment, file: overlay.dir },
          });
        }
        overlays.push(summarize(overlay.environment, overlay.dir, rendered));
      }
    },
  });
  return { ...result, dir, renderer: renderer.label, overlays };
}

/**
 * Compares the tree in `dir` with what {@link generate} would write. Needs no kubectl.
 *
 * @returns every file that differs, is missing, or is stale (owned but no longer generated)
 */
export async function check(options: TreeOptions = {}): Promise<TreeDrift[]> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const plan = compileTree(options.base ?? argusBase(), await resolveEnvironments(options));
  return findDrift(dir, treeContents(plan));
}

/**
 * Renders `overlays/<environment>` of the tree in `dir` as it is on disk.
 *
 * @throws ArgusKustomizeError USAGE when there is no such overlay
 */
export async function render(environment: string, options: { readonly dir?: string; readonly renderer?: Renderer } = {}): Promise<Rendered> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const existing = await listOverlays(dir);
  if (!existing.includes(environment)) {
    throw new ArgusKustomizeError(
      "USAGE",
      `no overlay "${environment}" in ${path.join(dir, "overlays")} (found: ${existing.join(", ") || "none"}; run generate first)`,
      { location: { environment } },
    );
  }
  return renderKustomization(path.join(dir, overlayDir(environment)), options.renderer ?? findRenderer());
}

async function listOverlays(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(dir, "overlays"), { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

function summarize(environment: string, dir: string, rendered: Rendered): OverlaySummary {
  const namespaces = new Set<string>();
  const images = new Set<string>();
  for (const object of rendered.objects) {
    const metadata = object["metadata"] as { namespace?: string } | undefined;
    if (metadata?.namespace !== undefined) namespaces.add(metadata.namespace);
    const template = (object["spec"] as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined)?.template;
    for (const container of template?.spec?.containers ?? []) if (container.image !== undefined) images.add(container.image);
  }
  return { environment, dir, namespaces: [...namespaces].sort(), objects: rendered.objects.length, images: [...images].sort() };
}
