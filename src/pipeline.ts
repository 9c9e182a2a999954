import { stat } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "./errors.js";
import { compileTree, overlayDir } from "./kustomize/compile.js";
import { resolveEnvironments, type TreeOptions } from "./tree/resolve-environments.js";
import { argusBase } from "./model/base.js";
import { renderOverlays } from "./render/batch.js";
import { defaultCacheDir, openRenderCache, type RenderCache } from "./render/cache.js";
import { findRenderer, renderKustomization, type Rendered, type Renderer } from "./render/kustomize.js";
import { assertComplete, assertNotInterrupted, listOverlays, renderConsistently, renderWithSeeds, summarize, type OverlaySummary } from "./render/on-disk.js";
import { defaultConcurrency, mapBounded } from "./pool.js";
import { JOURNAL_FILE, readIfExists, resolveInside } from "./tree/layout.js";
import { RECORD_FILE } from "./tree/record.js";
import { recoverTree, writeTree, type WriteTreeResult } from "./write/transaction.js";
import { findDrift, treeContents, type TreeDrift } from "./write/tree.js";
import { policyContextOf, prepareValidation, validateRendered } from "./validate/validate.js";
import { formatViolation, type Violation } from "./validate/violation.js";

/** The result of {@link generate}. */
export interface GenerateResult extends WriteTreeResult {
  readonly dir: string;
  readonly renderer: string;
  readonly overlays: readonly OverlaySummary[];
}

/** Options of {@link generate}. */
export type GenerateOptions = TreeOptions & {
  /** The renderer. @default findRenderer(): KUBECTL, kubectl on PATH, KUSTOMIZE, kustomize on PATH */
  readonly renderer?: Renderer;
  /** How long to wait for another generate on the same tree. @default 60000 */
  readonly lockTimeoutMs?: number;
  /**
   * Remember clean renders across runs, keyed by every byte kustomize reads and by the renderer,
   * so an unchanged overlay is not rendered again: `true` for the default directory (see
   * {@link defaultCacheDir}), a directory, or `false` to render every overlay.
   * @default true
   */
  readonly cache?: boolean | string;
};

/**
 * Writes `base/` and one overlay per environment into `dir`, after rendering every overlay of
 * the staged tree with the real kustomize (any error or warning aborts, and nothing in `dir`
 * changes).
 *
 * @example
 * import { generate, devEnvironment, prodEnvironment } from "argusai-kustomize";
 * await generate({ dir: "deploy", environments: [devEnvironment(), prodEnvironment({ image: { tag: "1.4.2" } })] });
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const dir = path.resolve(options.dir ?? process.cwd());
  // A generate killed mid-swap is finished first, so its options are judged against its result
  // (re-running the interrupted command then works, a --remove-env included).
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) await recoverTree(dir, options.lockTimeoutMs);
  // Bad input fails here, before the tree is locked or touched...
  const planFrom = async () => {
    const environments = await resolveEnvironments(options);
    const plan = compileTree(options.base ?? argusBase(), environments.specs);
    return { contents: treeContents(plan, environments.recorded), seeds: plan.seeds, plan, specs: environments.specs };
  };
  const recordSeen = await readIfExists(path.join(dir, RECORD_FILE));
  const early = await planFrom();
  const renderer = options.renderer ?? findRenderer();
  const cache = cacheOf(options.cache);
  prepareValidation();
  let overlays: OverlaySummary[] = [];
  const result = await writeTree(
    dir,
    // ...and the plan that counts is made under the lock, from the record as it now is, so two
    // generates at once each build on the other's result instead of undoing it. The record is
    // all the plan reads from the tree: when it is unchanged, so is the plan made before.
    async () => ((await readIfExists(path.join(dir, RECORD_FILE))) === recordSeen ? early : planFrom()),
    {
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      verify: async (staging, { plan, specs }) => {
        const checked = await renderOverlays(
          plan.overlays.map((overlay) => ({ environment: overlay.environment, dir: path.join(staging, overlay.dir) })),
          { renderer, cache, root: staging },
          async (rendered, _job, index) => {
            const overlay = plan.overlays[index]!;
            if (rendered.warnings.length > 0) {
              throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
                location: { environment: overlay.environment, file: overlay.dir },
              });
            }
            const found = await validateRendered(rendered.objects, policyContextOf(specs[index]!));
            return { violations: found.map((violation) => `${overlay.dir}: ${formatViolation(violation)}`), summary: summarize(overlay.environment, overlay.dir, rendered) };
          },
        );
        const violations = checked.flatMap((overlay) => overlay.violations);
        if (violations.length > 0) {
          throw new ArgusKustomizeError("VALIDATION_FAILED", `${violations.length} violation(s); nothing was written:\n  ${violations.join("\n  ")}`, { problems: violations });
        }
        overlays = checked.map((overlay) => overlay.summary);
      },
    },
  );
  return { ...result, dir, renderer: renderer.label, overlays };
}

/** The cache a `cache` option asks for. */
function cacheOf(option: boolean | string | undefined): RenderCache | false {
  if (option === false) return false;
  return openRenderCache(typeof option === "string" ? path.resolve(option) : defaultCacheDir());
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
  return findDrift(dir, treeContents(plan, environments.recorded), plan.seeds.map((seed) => seed.path));
}

/** The result of validating one overlay. */
export interface OverlayValidation {
  readonly environment: string;
  readonly dir: string;
  readonly objects: number;
  readonly violations: readonly Violation[];
  /** Seed files this machine lacks, validated with placeholder values (e.g. dev's secrets.env on a fresh clone). */
  readonly placeholderSeeds: readonly string[];
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** The directory holding the tree. @default process.cwd() */
  readonly dir?: string;
  /** The renderer. @default findRenderer() */
  readonly renderer?: Renderer;
  /** As for {@link generate}: `true` (default directory), a directory, or `false`. @default true */
  readonly cache?: boolean | string;
}

/**
 * Renders the overlays of the tree in `dir` as they are on disk and checks every object against
 * the Kubernetes schema (plus unknown fields) and every policy. Each rendered overlay is
 * validated as soon as it is rendered and then dropped, so memory does not grow with the tree.
 *
 * @param environments names to validate; all recorded environments when empty
 * @throws ArgusKustomizeError USAGE for an environment the tree does not have
 */
export async function validate(environments: readonly string[] = [], options: ValidateOptions = {}): Promise<OverlayValidation[]> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const { specs } = await resolveEnvironments({ dir });
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const wanted = environments.length > 0 ? environments : specs.map((spec) => spec.name);
  for (const name of wanted) {
    if (!byName.has(name)) {
      throw new ArgusKustomizeError("USAGE", `the tree has no environment "${name}" (have: ${specs.map((candidate) => candidate.name).join(", ")})`, {
        location: { environment: name },
      });
    }
  }
  const renderer = options.renderer ?? findRenderer();
  const cache = cacheOf(options.cache);
  prepareValidation();
  await assertNotInterrupted(dir);
  const plan = compileTree(argusBase(), specs);
  const seedsOf = (name: string) => plan.seeds.filter((seed) => seed.path.startsWith(`${overlayDir(name)}/`));
  const check = async (name: string, rendered: Rendered, placeholderSeeds: readonly string[]): Promise<OverlayValidation> => ({
    environment: name,
    dir: overlayDir(name),
    objects: rendered.objects.length,
    violations: await validateRendered(rendered.objects, policyContextOf(byName.get(name)!)),
    placeholderSeeds,
  });
  return renderConsistently(dir, async () => {
    // An overlay whose seed this machine lacks renders from a copy with a placeholder, by itself.
    const lacking = await mapBounded(wanted, 32, async (name) => {
      for (const seed of seedsOf(name)) if ((await readIfExists(resolveInside(dir, seed.path))) === undefined) return true;
      return false;
    });
    const complete = wanted.filter((_name, index) => !lacking[index]);
    const results = new Map<string, OverlayValidation>();
    const batched = await renderOverlays(
      complete.map((name) => ({ environment: name, dir: path.join(dir, overlayDir(name)) })),
      { renderer, cache },
      (rendered, job) => check(job.environment, rendered, []),
    );
    for (const result of batched) results.set(result.environment, result);
    const placeholders = await mapBounded(
      wanted.filter((_name, index) => lacking[index]),
      defaultConcurrency(),
      async (name) => {
        const rendered = await renderWithSeeds(dir, name, seedsOf(name), renderer);
        return check(name, rendered, rendered.placeholderSeeds);
      },
    );
    for (const result of placeholders) results.set(result.environment, result);
    return wanted.map((name) => results.get(name)!);
  });
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
  const renderer = options.renderer ?? findRenderer();
  return renderConsistently(dir, async () => {
    await assertComplete(dir, environment);
    return renderKustomization(path.join(dir, overlayDir(environment)), renderer);
  });
}

