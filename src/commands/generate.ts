import path from "node:path";
import { APPLICATIONS_DIR, validateApplications, type ApplicationSummary, type ArgoCDOptions } from "../argocd/application.js";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { environmentNotices, type EnvironmentNotice } from "../model/built-in-environments.js";
import type { ArgusComponent } from "../model/components.js";
import { withOsErrors } from "../os-errors.js";
import { renderOverlays } from "../render/batch.js";
import { findRenderer, type Renderer } from "../render/kustomize.js";
import { summarize, type OverlaySummary } from "../render/on-disk.js";
import type { TreeOptions } from "../tree/resolve-environments.js";
import { policyContextOf } from "../validate/validate.js";
import { validateCached, validationStoreOf } from "../validate/cache.js";
import { formatViolation } from "../validate/violation.js";
import { assertUpgradeAllowed } from "../tree/upgrade-check.js";
import { writeTree, type TreeEdit, type WriteTreeResult } from "../write/transaction.js";
import { applicationNotices } from "./notices.js";
import { planTree } from "./plan.js";
import { cacheOf, openTree, type OpenTree } from "./tree.js";

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
  /**
   * Argo CD Applications (argocd/): where they point. Recorded in the tree, and winning over the
   * config file's `argocd`.
   * @default the recorded settings, else the config's, else defaults (repoURL: the tree's Git repository)
   */
  readonly argocd?: ArgoCDOptions;
  /**
   * Remember clean renders across runs, keyed by every byte kustomize reads and by the renderer,
   * so an unchanged overlay is not rendered again: `true` for the default directory
   * (`$XDG_CACHE_HOME/argusai-kustomize`, else `node_modules/.cache/argusai-kustomize`), a
   * directory, or `false` to render every overlay.
   * @default true
   */
  readonly cache?: boolean | string;
  /**
   * Environments whose existing objects may be replaced: generate otherwise refuses a change a live
   * cluster would refuse (a PVC's class, access mode or a smaller size; a selector) or that strands
   * data (a namespace change). Name an environment here after migrating it by hand (docs/upgrades.md).
   * @default []
   */
  readonly allowReplace?: readonly string[];
}

/** The result of {@link generate}. */
export interface GenerateResult extends WriteTreeResult {
  readonly dir: string;
  /** True when no tree was found from the working directory upwards and a new one was started there. */
  readonly newTree: boolean;
  /** The config file read (absolute), when the tree has one. */
  readonly configFile?: string;
  readonly renderer: string;
  readonly overlays: readonly OverlaySummary[];
  /** Warnings (a production image on the placeholder version, a placeholder repoURL) and notes (trade-offs). */
  readonly notices: readonly EnvironmentNotice[];
  /** The Argo CD Applications written (argocd/<environment>.yaml). */
  readonly applications: readonly ApplicationSummary[];
}

/**
 * Writes `base/` and one overlay per environment into the tree, after rendering every overlay of
 * the staged tree with the real kustomize (any error or warning aborts, and nothing in the tree
 * changes).
 *
 * @example
 * import { generate, devEnvironment, prodEnvironment } from "argusai-kustomize";
 * await generate({ dir: "deploy", environments: [devEnvironment(), prodEnvironment({ image: { tag: "1.4.2" } })] });
 */
export async function generate<C extends string = ArgusComponent>(options: GenerateOptions<C> = {}): Promise<GenerateResult> {
  return withOsErrors(async () => {
    const tree = await openTree(options as GenerateOptions<string>, true);
    return generateTree(tree, tree.options);
  });
}

/**
 * One generate, forward: under the tree's lock, (edit the environment files, for --set-image)
 * read and validate the environments, compile and serialise the tree, stage it, render and
 * validate every overlay, then swap it in. The plan is made once, there, from the record as it
 * then is, so two generates at once each build on the other's result.
 */
export async function generateTree(tree: OpenTree, options: GenerateOptions<string>, edit?: TreeEdit): Promise<GenerateResult> {
  const renderer = options.renderer ?? findRenderer();
  const cache = cacheOf(options.cache);
  const components = tree.base.components;
  let overlays: OverlaySummary[] = [];
  const notices: EnvironmentNotice[] = [];
  const applications: ApplicationSummary[] = [];
  const result = await writeTree(tree.dir, () => planTree(tree, options), {
    ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    ...(edit !== undefined ? { edit } : {}),
    // The base first, then each overlay's files in the order of the overlays, so the first groups
    // render while later overlays are still being written; the Applications (no render reads
    // them) last.
    stagingOrder: ({ argocd }) => [...argocd.plan.overlays.map((overlay) => overlay.dir), APPLICATIONS_DIR],
    verify: async (staging, { contents, specs, argocd }, staged) => {
      const plan = argocd.plan;
      // What exists already is judged before anything is rendered: a refused change is the input's fault.
      await assertUpgradeAllowed(tree.dir, { contents, plan }, options.allowReplace);
      // verify may run twice (in place on an unchanged tree, then staged should that fail): the notices once.
      notices.splice(0, notices.length, ...specs.flatMap((spec) => environmentNotices(spec)), ...applicationNotices(argocd));
      const checked = await renderOverlays(
        plan.overlays.map((overlay) => ({ environment: overlay.environment, dir: path.join(staging, overlay.dir) })),
        {
          renderer,
          cache,
          root: staging,
          ready: (index) => staged.through(plan.overlays[index]!.dir),
          ...(staged.files !== undefined ? { known: { root: staging, files: staged.files } } : {}),
        },
        async (rendered, _job, index) => {
          const overlay = plan.overlays[index]!;
          if (rendered.warnings.length > 0) {
            throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
              location: { environment: overlay.environment, file: overlay.dir },
            });
          }
          const found = await validateCached(rendered, policyContextOf(specs[index]!, components), validationStoreOf(cache));
          const violations: Problem[] = found.map((violation) => ({
            environment: overlay.environment,
            file: overlay.dir,
            message: formatViolation(violation),
          }));
          return { violations, summary: summarize(overlay.environment, overlay.dir, rendered) };
        },
      );
      await staged.all();
      const violations = [...checked.flatMap((overlay) => overlay.violations), ...(await validateApplications(staging, argocd))];
      if (violations.length > 0) {
        throw new ArgusKustomizeError("VALIDATION_FAILED", `${violations.length} violation(s); nothing was written`, { problems: violations });
      }
      overlays = checked.map((overlay) => overlay.summary);
      applications.push(...argocd.applications);
    },
  });
  return {
    ...result,
    dir: tree.dir,
    newTree: tree.how === "new",
    ...(tree.config.file !== undefined ? { configFile: tree.config.file } : {}),
    renderer: renderer.label,
    overlays,
    applications,
    notices,
  };
}
