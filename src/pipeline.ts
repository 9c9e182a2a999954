import { cp, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArgusKustomizeError } from "./errors.js";
import { compileTree, overlayDir, type SeedFile } from "./kustomize/compile.js";
import { resolveEnvironments, type TreeOptions } from "./inputs.js";
import { argusBase } from "./model/base.js";
import { findRenderer, renderKustomization, type Rendered, type Renderer } from "./render/kustomize.js";
import { JOURNAL_FILE, readIfExists, resolveInside } from "./write/layout.js";
import { RECORD_FILE, readRecord } from "./write/record.js";
import { recoverTree, writeTree, type WriteTreeResult } from "./write/transaction.js";
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
  // A generate killed mid-swap is finished first, so its options are judged against its result
  // (re-running the interrupted command then works, a --remove-env included).
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) await recoverTree(dir, options.lockTimeoutMs);
  // Bad input fails here, before the tree is locked or touched...
  compileTree(options.base ?? argusBase(), (await resolveEnvironments(options)).specs);
  const renderer = options.renderer ?? findRenderer();
  prepareValidation();
  const overlays: OverlaySummary[] = [];
  const result = await writeTree(
    dir,
    async () => {
      // ...and the plan that counts is made under the lock, from the record as it now is, so two
      // generates at once each build on the other's result instead of undoing it.
      const environments = await resolveEnvironments(options);
      const plan = compileTree(options.base ?? argusBase(), environments.specs);
      return { contents: treeContents(plan, environments.recorded), seeds: plan.seeds, plan, specs: environments.specs };
    },
    {
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      verify: async (staging, { plan, specs }) => {
        const renders = await Promise.all(
          plan.overlays.map(async (overlay) => ({ overlay, rendered: await renderStaged(staging, overlay, renderer) })),
        );
        const violations: string[] = [];
        for (const [index, { overlay, rendered }] of renders.entries()) {
          if (rendered.warnings.length > 0) {
            throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} warned: ${rendered.warnings.join("; ")}`, {
              location: { environment: overlay.environment, file: overlay.dir },
            });
          }
          const found = await validateRendered(rendered.objects, policyContextOf(specs[index]!));
          violations.push(...found.map((violation) => `${overlay.dir}: ${formatViolation(violation)}`));
          overlays.push(summarize(overlay.environment, overlay.dir, rendered));
        }
        if (violations.length > 0) {
          throw new ArgusKustomizeError("VALIDATION_FAILED", `${violations.length} violation(s); nothing was written:\n  ${violations.join("\n  ")}`, { problems: violations });
        }
      },
    },
  );
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
  await assertNotInterrupted(dir);
  const plan = compileTree(argusBase(), specs);
  return Promise.all(
    wanted.map(async (name) => {
      const spec = specs.find((candidate) => candidate.name === name);
      if (spec === undefined) {
        throw new ArgusKustomizeError("USAGE", `the tree has no environment "${name}" (have: ${specs.map((candidate) => candidate.name).join(", ")})`, {
          location: { environment: name },
        });
      }
      const seeds = plan.seeds.filter((seed) => seed.path.startsWith(`${overlayDir(name)}/`));
      const rendered = await renderConsistently(dir, () => renderWithSeeds(dir, name, seeds, renderer));
      return {
        environment: name,
        dir: overlayDir(name),
        objects: rendered.objects.length,
        violations: await validateRendered(rendered.objects, policyContextOf(spec)),
        placeholderSeeds: rendered.placeholderSeeds,
      };
    }),
  );
}

/**
 * Renders an overlay on disk; where this machine lacks one of its seeds (a fresh clone has no dev
 * secrets.env), renders a copy of the tree with a freshly made placeholder instead, and says so.
 */
async function renderWithSeeds(dir: string, environment: string, seeds: readonly SeedFile[], renderer: Renderer): Promise<Rendered & { placeholderSeeds: string[] }> {
  const missing: SeedFile[] = [];
  for (const seed of seeds) if ((await readIfExists(resolveInside(dir, seed.path))) === undefined) missing.push(seed);
  if (missing.length === 0) return { ...(await renderKustomization(path.join(dir, overlayDir(environment)), renderer)), placeholderSeeds: [] };
  const copy = await mkdtemp(path.join(tmpdir(), "argusai-kustomize-validate-"));
  try {
    await cp(path.join(dir, "base"), path.join(copy, "base"), { recursive: true });
    await cp(path.join(dir, overlayDir(environment)), path.join(copy, overlayDir(environment)), { recursive: true });
    for (const seed of missing) await writeFile(resolveInside(copy, seed.path), seed.create(), { mode: 0o600 });
    return { ...(await renderKustomization(path.join(copy, overlayDir(environment)), renderer)), placeholderSeeds: missing.map((seed) => seed.path) };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
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

async function assertNotInterrupted(dir: string, environment?: string): Promise<void> {
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) {
    throw new ArgusKustomizeError("TREE_INCOMPLETE", `a generate was interrupted while replacing the tree (${JOURNAL_FILE} is there); run generate to finish it`, {
      location: { ...(environment !== undefined ? { environment } : {}), file: JOURNAL_FILE },
    });
  }
}

/** Refuses to render a half-written tree, or an overlay whose machine-local seed is missing. */
async function assertComplete(dir: string, environment: string): Promise<void> {
  await assertNotInterrupted(dir, environment);
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

/**
 * Runs a read of the tree without taking the lock (so it works on a read-only checkout), and
 * repeats it if a generate changed the tree meanwhile: the record changed or a journal appeared.
 */
async function renderConsistently<T>(dir: string, read: () => Promise<T>): Promise<T> {
  const state = async () => `${(await readIfExists(path.join(dir, JOURNAL_FILE))) ?? ""}\0${(await readIfExists(path.join(dir, RECORD_FILE))) ?? ""}`;
  for (let attempt = 1; ; attempt += 1) {
    const before = await state();
    const result = await read();
    if ((await state()) === before) return result;
    if (attempt === 3) {
      throw new ArgusKustomizeError("TREE_INCOMPLETE", "the tree kept changing while it was read (a generate is running); try again when it is done", { location: { file: dir } });
    }
  }
}

/** Renders an overlay of the staged tree; a failure names the overlay, not the staging path. */
async function renderStaged(staging: string, overlay: { environment: string; dir: string }, renderer: Renderer): Promise<Rendered> {
  try {
    return await renderKustomization(path.join(staging, overlay.dir), renderer);
  } catch (error) {
    if (!(error instanceof ArgusKustomizeError) || error.code !== "KUSTOMIZE_BUILD_FAILED") throw error;
    throw new ArgusKustomizeError(error.code, error.message.replaceAll(`${staging}${path.sep}`, ""), {
      cause: error,
      location: { environment: overlay.environment, file: overlay.dir },
    });
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
