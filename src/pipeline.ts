import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "./errors.js";
import { compileTree, overlayDir } from "./kustomize/compile.js";
import { resolveEnvironments, type TreeOptions } from "./inputs.js";
import { argusBase } from "./model/base.js";
import { findRenderer, renderKustomization, type Rendered, type Renderer } from "./render/kustomize.js";
import { JOURNAL_FILE, readIfExists, resolveInside } from "./write/layout.js";
import { readRecord } from "./write/record.js";
import { writeTree, type WriteTreeResult } from "./write/transaction.js";
import { findDrift, treeContents, type TreeDrift } from "./write/tree.js";
import { policyContextOf, prepareValidation, validateRendered } from "./validate/validate.js";
import { formatViolation, type Violation } from "./validate/violation.js";

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
export async function generate(options: TreeOptions & { readonly renderer?: Renderer; readonly lockTimeoutMs?: number } = {}): Promise<GenerateResult> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const environments = await resolveEnvironments(options);
  const plan = compileTree(options.base ?? argusBase(), environments.specs);
  const renderer = options.renderer ?? findRenderer();
  prepareValidation();
  const overlays: OverlaySummary[] = [];
  const result = await writeTree(dir, treeContents(plan, environments.recorded), plan.seeds, {
    ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    verify: async (staging) => {
      const renders = await Promise.all(
        plan.overlays.map(async (overlay) => ({ overlay, rendered: await renderKustomization(path.join(staging, overlay.dir), renderer) })),
      );
      const violations: string[] = [];
      for (const [index, { overlay, rendered }] of renders.entries()) {
        if (rendered.warnings.length > 0) {
          throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
            location: { environment: overlay.environment, file: overlay.dir },
          });
        }
        const found = await validateRendered(rendered.objects, policyContextOf(environments.specs[index]!));
        violations.push(...found.map((violation) => `${overlay.dir}: ${formatViolation(violation)}`));
        overlays.push(summarize(overlay.environment, overlay.dir, rendered));
      }
      if (violations.length > 0) {
        throw new ArgusKustomizeError("VALIDATION_FAILED", `${violations.length} violation(s); nothing was written:\n  ${violations.join("\n  ")}`, { problems: violations });
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
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ArgusKustomizeError("USAGE", `${dir} is not a directory; give the tree's directory with --dir`, { location: { file: dir } });
  }
  const environments = await resolveEnvironments(options);
  const plan = compileTree(options.base ?? argusBase(), environments.specs);
  return findDrift(dir, treeContents(plan, environments.recorded));
}

/** The result of validating one overlay. */
export interface OverlayValidation {
  readonly environment: string;
  readonly dir: string;
  readonly objects: number;
  readonly violations: readonly Violation[];
}

/**
 * Renders the overlays of the tree in `dir` as they are on disk and checks every object against
 * the Kubernetes schema (plus unknown fields) and every policy.
 *
 * @param environments names to validate; all recorded environments when empty
 * @throws ArgusKustomizeError USAGE for an environment the tree does not have
 */
export async function validate(
  environments: readonly string[] = [],
  options: { readonly dir?: string; readonly renderer?: Renderer } = {},
): Promise<OverlayValidation[]> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const { specs } = await resolveEnvironments({ dir });
  const wanted = environments.length > 0 ? environments : specs.map((spec) => spec.name);
  const renderer = options.renderer ?? findRenderer();
  prepareValidation();
  return Promise.all(
    wanted.map(async (name) => {
      const spec = specs.find((candidate) => candidate.name === name);
      if (spec === undefined) {
        throw new ArgusKustomizeError("USAGE", `the tree has no environment "${name}" (have: ${specs.map((candidate) => candidate.name).join(", ")})`, {
          location: { environment: name },
        });
      }
      const rendered = await render(name, { dir, renderer });
      return { environment: name, dir: overlayDir(name), objects: rendered.objects.length, violations: await validateRendered(rendered.objects, policyContextOf(spec)) };
    }),
  );
}

/**
 * Renders `overlays/<environment>` of the tree in `dir` as it is on disk.
 *
 * @throws ArgusKustomizeError USAGE when there is no such overlay, TREE_INCOMPLETE when a generate was
 * interrupted or this machine lacks the overlay's seed files (dev's secrets.env)
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
  await assertComplete(dir, environment);
  return renderKustomization(path.join(dir, overlayDir(environment)), options.renderer ?? findRenderer());
}

/** Refuses to render a half-written tree, or an overlay whose machine-local seed is missing. */
async function assertComplete(dir: string, environment: string): Promise<void> {
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) {
    throw new ArgusKustomizeError("TREE_INCOMPLETE", `a generate was interrupted while replacing the tree (${JOURNAL_FILE} is there); run generate to finish it`, {
      location: { environment, file: JOURNAL_FILE },
    });
  }
  const prefix = `${overlayDir(environment)}/`;
  for (const seed of (await readRecord(dir)).seeds.filter((file) => file.startsWith(prefix))) {
    if ((await readIfExists(resolveInside(dir, seed))) === undefined) {
      throw new ArgusKustomizeError(
        "TREE_INCOMPLETE",
        `${seed} is missing: it holds this machine's random dev secrets and is never committed; run argusai-kustomize generate to create it`,
        { location: { environment, file: seed } },
      );
    }
  }
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
