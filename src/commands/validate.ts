import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { compileTree, overlayDir } from "../kustomize/compile.js";
import { environmentNotices, type EnvironmentNotice } from "../model/built-in-environments.js";
import { withOsErrors } from "../os-errors.js";
import { mapBounded, defaultConcurrency } from "../pool.js";
import { renderOverlays } from "../render/batch.js";
import { findRenderer, type Rendered } from "../render/kustomize.js";
import { assertGenerated, assertNotInterrupted, renderConsistently, renderWithSeeds } from "../render/on-disk.js";
import { readIfExists, resolveInside } from "../tree/layout.js";
import { readRecord } from "../tree/record.js";
import { resolveEnvironments } from "../tree/resolve-environments.js";
import { policyContextOf } from "../validate/validate.js";
import { validateCached, validationStoreOf } from "../validate/cache.js";
import type { Violation } from "../validate/violation.js";
import { applicationNoticesOnDisk } from "./notices.js";
import { cacheOf, openTree, type ReadTreeOptions } from "./tree.js";

/** Options of {@link validate}. */
export interface ValidateOptions extends ReadTreeOptions {
  /** As for generate: `true` (the default directory), a directory, or `false`. @default true */
  readonly cache?: boolean | string;
}

/** The result of validating one overlay. */
export interface OverlayValidation {
  readonly environment: string;
  readonly dir: string;
  readonly objects: number;
  readonly violations: readonly Violation[];
  /** Seed files this machine lacks, validated with placeholder values (e.g. dev's secrets.env on a fresh clone). */
  readonly placeholderSeeds: readonly string[];
  /** Warnings and notes about the environment and its Application (`validate --strict` fails on a warning). */
  readonly notices: readonly EnvironmentNotice[];
}

/**
 * Renders the overlays of the tree as they are on disk and checks every object against the
 * Kubernetes schema (plus unknown fields) and every policy.
 *
 * @param environments names to validate; all recorded environments when empty
 * @throws ArgusKustomizeError USAGE for an environment the tree does not have, TREE_INCOMPLETE for
 * a tree never generated or an overlay missing from disk
 */
export async function validate(environments: readonly string[] = [], options: ValidateOptions = {}): Promise<OverlayValidation[]> {
  return withOsErrors(async () => {
    const tree = await openTree(options);
    const dir = tree.dir;
    const record = await readRecord(dir);
    const { specs } = await resolveEnvironments(tree.options, record);
    const components = tree.base.components;
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
    await assertGenerated(dir, wanted);
    const plan = compileTree(tree.base, specs, { validated: true });
    const owned = new Set(record.files);
    const seedsOf = (name: string) => plan.seeds.filter((seed) => seed.path.startsWith(`${overlayDir(name)}/`));
    const check = async (name: string, rendered: Rendered, placeholderSeeds: readonly string[]): Promise<OverlayValidation> => ({
      environment: name,
      dir: overlayDir(name),
      objects: rendered.objects.length,
      violations: await validateCached(
        rendered,
        policyContextOf(byName.get(name)!, components),
        placeholderSeeds.length === 0 ? validationStoreOf(cache) : false,
      ),
      placeholderSeeds,
      notices: [...environmentNotices(byName.get(name)!), ...(await applicationNoticesOnDisk(dir, name, owned))],
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
  });
}
