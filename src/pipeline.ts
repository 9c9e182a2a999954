import { stat } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError, type Problem } from "./errors.js";
import { compileTree, overlayDir } from "./kustomize/compile.js";
import { baseOf, resolveEnvironments, type TreeOptions } from "./tree/resolve-environments.js";
import type { ArgusBase } from "./model/base.js";
import { environmentNotices, type EnvironmentNotice } from "./model/built-in-environments.js";
import type { ArgusComponent, ComponentRegistry } from "./model/components.js";
import { renderOverlays } from "./render/batch.js";
import { defaultCacheDir, openRenderCache, type RenderCache } from "./render/cache.js";
import { findRenderer, renderKustomization, type Rendered, type Renderer } from "./render/kustomize.js";
import { assertComplete, assertNotInterrupted, listOverlays, renderConsistently, renderWithSeeds, summarize, type OverlaySummary } from "./render/on-disk.js";
import { defaultConcurrency, mapBounded } from "./pool.js";
import { JOURNAL_FILE, readIfExists, resolveInside } from "./tree/layout.js";
import { RECORD_FILE, readRecord } from "./tree/record.js";
import { recoverTree, writeTree, type WriteTreeResult } from "./write/transaction.js";
import type { TreeDrift } from "./write/tree.js";
import { serializeTree } from "./write/yaml-memo.js";
import { checkWithMemo } from "./plan-memo.js";
import { policyContextOf } from "./validate/validate.js";
import { validateCached, validationStoreOf } from "./validate/cache.js";
import { formatViolation, type Violation } from "./validate/violation.js";
import { validateApplications, withApplications, type ApplicationSummary, type ArgoCDOptions } from "./argocd/application.js";

/** Options of {@link generate}. */
export interface GenerateOptions<C extends string = ArgusComponent> extends TreeOptions<C> {
  /**
   * The program that renders each overlay to verify it before anything is written.
   * @default kubectl from KUBECTL or PATH, else the standalone kustomize from KUSTOMIZE or PATH
   */
  readonly renderer?: Renderer;
  /**
   * How long to wait for another generate holding the tree's lock, in milliseconds.
   * @default 60000
   */
  readonly lockTimeoutMs?: number;
  /** Argo CD Applications (argocd/): where they point; recorded in the tree. @default the recorded settings, else defaults */
  readonly argocd?: ArgoCDOptions;
  /**
   * Remember clean renders across runs, keyed by every byte kustomize reads and by the renderer,
   * so an unchanged overlay is not rendered again: `true` for the default directory
   * (`$XDG_CACHE_HOME/argusai-kustomize`, else `node_modules/.cache/argusai-kustomize`), a
   * directory, or `false` to render every overlay.
   * @default true
   */
  readonly cache?: boolean | string;
}

/** Options of {@link check}. */
export interface CheckOptions<C extends string = ArgusComponent> extends TreeOptions<C> {
  /** As for generate: settings given here are compared as if generate were given them. @default the recorded settings */
  readonly argocd?: ArgoCDOptions;
}

/** Options of {@link validate} and {@link render}: which tree, which renderer. */
export interface ReadTreeOptions {
  /**
   * The directory holding `base/` and `overlays/`.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * The program that renders the overlays.
   * @default kubectl from KUBECTL or PATH, else the standalone kustomize from KUSTOMIZE or PATH
   */
  readonly renderer?: Renderer;
  /**
   * The component registry the tree was generated with.
   * @default ARGUSAI_COMPONENTS
   */
  readonly components?: ComponentRegistry;
  /** The base, when a script edited it. @default argusBase(components) */
  readonly base?: ArgusBase<string>;
}

/** Options of {@link validate}. */
export interface ValidateOptions extends ReadTreeOptions {
  /** As for {@link generate}: `true` (the default directory), a directory, or `false`. @default true */
  readonly cache?: boolean | string;
}
/** Options of {@link render}. */
export type RenderOptions = ReadTreeOptions;

/** The result of {@link generate}. */
export interface GenerateResult extends WriteTreeResult {
  readonly dir: string;
  readonly renderer: string;
  readonly overlays: readonly OverlaySummary[];
  /** Warnings (a production image on the placeholder version) and notes (trade-offs) about the environments. */
  readonly notices: readonly EnvironmentNotice[];
  /** The Argo CD Applications written (argocd/<environment>.yaml). */
  readonly applications: readonly ApplicationSummary[];
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
export async function generate<C extends string = ArgusComponent>(typedOptions: GenerateOptions<C> = {}): Promise<GenerateResult> {
  // Generic in the registry's names for callers; one shape inside.
  const options = typedOptions as GenerateOptions<string>;
  const dir = path.resolve(options.dir ?? process.cwd());
  // A generate killed mid-swap is finished first, so its options are judged against its result
  // (re-running the interrupted command then works, a --remove-env included).
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) await recoverTree(dir, options.lockTimeoutMs);
  // Bad input fails here, before the tree is locked or touched...
  const recordSeen = await readIfExists(path.join(dir, RECORD_FILE));
  const early = await planTree(dir, options);
  const renderer = options.renderer ?? findRenderer();
  const cache = cacheOf(options.cache);
  const components = baseOf(options).components;
  let overlays: OverlaySummary[] = [];
  const notices: EnvironmentNotice[] = [];
  const applications: ApplicationSummary[] = [];
  const result = await writeTree(
    dir,
    // ...and the plan that counts is made under the lock, from the record as it now is, so two
    // generates at once each build on the other's result instead of undoing it. The record is
    // all the plan reads from the tree: when it is unchanged, so is the plan made before.
    async () => ((await readIfExists(path.join(dir, RECORD_FILE))) === recordSeen ? early : planTree(dir, options)),
    {
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      verify: async (staging, { plan, specs, argocd }) => {
        notices.splice(0, notices.length, ...specs.flatMap((spec) => environmentNotices(spec)));
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
            const found = await validateCached(rendered, policyContextOf(specs[index]!, components), validationStoreOf(cache));
            const violations: Problem[] = found.map((violation) => ({ environment: overlay.environment, file: overlay.dir, message: formatViolation(violation) }));
            return { violations, summary: summarize(overlay.environment, overlay.dir, rendered) };
          },
        );
        const violations = [...checked.flatMap((overlay) => overlay.violations), ...(await validateApplications(staging, argocd))];
        if (violations.length > 0) {
          throw new ArgusKustomizeError("VALIDATION_FAILED", `${violations.length} violation(s); nothing was written`, { problems: violations });
        }
        overlays = checked.map((overlay) => overlay.summary);
        applications.push(...argocd.applications);
      },
    },
  );
  return { ...result, dir, renderer: renderer.label, overlays, applications, notices };
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
export async function check<C extends string = ArgusComponent>(typedOptions: CheckOptions<C> = {}): Promise<TreeDrift[]> {
  const options = typedOptions as CheckOptions<string>;
  const dir = path.resolve(options.dir ?? process.cwd());
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ArgusKustomizeError("USAGE", `${dir} is not a directory; give the tree's directory with --dir`, { location: { file: dir } });
  }
  return checkWithMemo({ ...options, dir }, () => planTree(dir, options));
}

/**
 * Everything generate would write into `dir` for these options, from the tree's record as it is
 * now: the files' exact bytes, the seeds, and what verification needs (the overlays, the specs,
 * the Argo CD Applications). Internal: generate (under its lock) and check share it.
 */
export async function planTree(dir: string, options: CheckOptions<string>) {
  const environments = await resolveEnvironments(options);
  const base = baseOf(options);
  const compiled = compileTree(base, environments.specs, { validated: true });
  const argocd = await withApplications(dir, compiled, environments.specs, base.components, options.argocd);
  const plan = argocd.plan;
  const contents = await serializeTree(dir, plan, environments.recorded, argocd.record, (options as GenerateOptions<string>).cache);
  return { contents, seeds: plan.seeds, plan, specs: environments.specs, argocd };
}

/** The result of validating one overlay. */
export interface OverlayValidation {
  readonly environment: string;
  readonly dir: string;
  readonly objects: number;
  readonly violations: readonly Violation[];
  /** Seed files this machine lacks, validated with placeholder values (e.g. dev's secrets.env on a fresh clone). */
  readonly placeholderSeeds: readonly string[];
  /** Warnings and notes about the environment (`validate --strict` fails on a warning). */
  readonly notices: readonly EnvironmentNotice[];
}

/**
 * Renders the overlays of the tree in `dir` as they are on disk and checks every object against
 * the Kubernetes schema (plus unknown fields) and every policy.
 *
 * @param environments names to validate; all recorded environments when empty
 * @throws ArgusKustomizeError USAGE for an environment the tree does not have
 */
export async function validate(environments: readonly string[] = [], options: ValidateOptions = {}): Promise<OverlayValidation[]> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const { specs } = await resolveEnvironments({ ...options, dir });
  const components = baseOf(options).components;
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
  await assertNotInterrupted(dir);
  const plan = compileTree(baseOf(options), specs, { validated: true });
  const seedsOf = (name: string) => plan.seeds.filter((seed) => seed.path.startsWith(`${overlayDir(name)}/`));
  const check = async (name: string, rendered: Rendered, placeholderSeeds: readonly string[]): Promise<OverlayValidation> => ({
    environment: name,
    dir: overlayDir(name),
    objects: rendered.objects.length,
    violations: await validateCached(rendered, policyContextOf(byName.get(name)!, components), placeholderSeeds.length === 0 ? validationStoreOf(cache) : false),
    placeholderSeeds,
    notices: environmentNotices(byName.get(name)!),
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
export async function render(environment: string, options: RenderOptions = {}): Promise<Rendered> {
  const dir = path.resolve(options.dir ?? process.cwd());
  // The tree's environments are the ones its record owns an overlay of: a removed environment's
  // directory may remain (with its secrets.env, which generate never deletes).
  const owned = new Set((await readRecord(dir).catch(() => ({ files: [] as readonly string[] }))).files);
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
}

