import { readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { renderKeyer, type RenderCache } from "./cache.js";
import { kustomizationFacts, type KustomizationFacts } from "./references.js";
import { parseStream, renderKustomization, runKustomize, type Rendered, type Renderer } from "./kustomize.js";
import { defaultConcurrency, mapBounded, pipeInOrder } from "../pool.js";
import { onTermination } from "../write/signals.js";
import { KUSTOMIZATION_FILE_NAMES } from "../kubernetes/names.js";

/*
 * Rendering many overlays with few processes. kubectl's start-up (about 45 ms) dominates one
 * `kubectl kustomize` of an overlay, and one kustomization listing all 500 overlays is slower
 * than rendering them one by one (kustomize's cost grows with the size of one build). Groups of a
 * few dozen overlays, each built through a generated aggregate kustomization, a couple of groups
 * at a time, are the measured sweet spot.
 *
 * Attribution is exact, not guessed: an overlay is grouped only when its kustomization sets
 * `namespace:`, and no two overlays of a group set the same one. kustomize's namespace
 * transformer then puts every namespaced object of the overlay into that namespace and renames
 * every Namespace object to it, and the aggregate adds no transformer of its own. Anything in
 * the output that is neither (a cluster-scoped object of another kind) sends the group back to
 * per-overlay renders, as does a failed build or any warning, so an error or warning always
 * names its environment.
 *
 * The text is exact too: kustomize prints each object by itself, `---` between them, in one
 * global order (by kind, then namespace and name), so an overlay's objects in the group's output
 * are, in that order and byte for byte, what `kubectl kustomize overlays/X` prints.
 */

/** One overlay to render. */
export interface OverlayJob {
  /** The environment the overlay belongs to, named in errors. */
  readonly environment: string;
  /** Absolute path of the overlay's directory. */
  readonly dir: string;
}

/** Options of {@link renderOverlays}. */
export interface RenderOverlaysOptions {
  readonly renderer: Renderer;
  /**
   * Overlays per aggregate kustomization (1 renders each overlay by itself).
   * @default 25
   */
  readonly groupSize?: number;
  /**
   * Renderer processes running at once.
   * @default os.availableParallelism()
   */
  readonly concurrency?: number;
  /**
   * Where renders are remembered across runs; `false` renders everything.
   * @default false
   */
  readonly cache?: RenderCache | false;
  /** Errors show paths under this directory relative to it (a staging directory is not the user's). */
  readonly root?: string;
}

/** Measured (2 cores, 500 overlays): 10 per group is start-up bound, 50 leaves a core idle at the end. */
export const DEFAULT_GROUP_SIZE = 25;

/** How many files are read at once while computing cache keys and reading kustomizations. */
const FILE_CONCURRENCY = 32;

/**
 * Renders every overlay of `jobs` with the real kustomize, in groups, and hands each result to
 * `consume` as soon as its group is done, so a caller that validates and drops each one never
 * holds them all. The results of `consume` come back in the order of `jobs`. Each rendered
 * overlay is byte-identical to a `kubectl kustomize` of its directory; warnings are returned (a
 * group that warned is rendered again overlay by overlay, so they belong to one environment).
 *
 * @throws ArgusKustomizeError KUSTOMIZE_BUILD_FAILED naming the environment (the earliest in
 * `jobs` when several fail), KUBECTL_NOT_FOUND
 * @example
 * const counts = await renderOverlays([{ environment: "dev", dir: "/repo/overlays/dev" }], { renderer: findRenderer() },
 *   (rendered) => rendered.objects.length);
 */
export async function renderOverlays<R>(
  jobs: readonly OverlayJob[],
  options: RenderOverlaysOptions,
  consume: (rendered: Rendered, job: OverlayJob, index: number) => R | Promise<R>,
): Promise<R[]> {
  const cache = options.cache === undefined ? false : options.cache;
  const groupSize = Math.max(1, options.groupSize ?? DEFAULT_GROUP_SIZE);
  const results = new Array<R>(jobs.length);

  // Cache look-ups, then the namespaces of the overlays to render: bounded file I/O, before any
  // process starts.
  const keyOf = cache === false ? undefined : renderKeyer(options.renderer, cache);
  const facts = keyOf?.facts ?? kustomizationFacts(false);
  const keys = await mapBounded(jobs, FILE_CONCURRENCY, async (job) => (keyOf === undefined ? undefined : await keyOf(job.dir)));
  // A hit is consumed as soon as it is read, and then dropped.
  const missed = await mapBounded(jobs, FILE_CONCURRENCY, async (job, index) => {
    const key = keys[index];
    const hit = cache !== false && key !== undefined ? await cache.get(key) : undefined;
    if (hit === undefined) return true;
    results[index] = await consume(hit, job, index);
    return false;
  });
  const misses = [...jobs.keys()].filter((index) => missed[index]);
  const namespaces = new Map<number, string | undefined>();
  if (groupSize > 1) {
    for (const index of misses) namespaces.set(index, overlayNamespace(jobs[index]!.dir, facts.of));
  }
  await keyOf?.remember();

  const groups = groupByNamespace(misses, (index) => namespaces.get(index), groupSize);
  const scratch = groups.some((group) => group.length > 1) ? await mkdtemp(path.join(tmpdir(), "argusai-kustomize-batch-")) : undefined;
  // A SIGTERM or SIGINT mid-render removes the scratch directory too (the finally would not run).
  const forget = scratch !== undefined ? onTermination(() => rmSync(scratch, { recursive: true, force: true })) : undefined;
  try {
    // kubectl runs for the next groups while this process splits, remembers and consumes the
    // previous one's output, in the order of the groups.
    await pipeInOrder(
      groups,
      options.concurrency ?? defaultConcurrency(),
      async (group, groupIndex): Promise<Produced> =>
        group.length > 1
          ? {
              group: await buildGroup(
                path.join(scratch!, String(groupIndex)),
                group.map((index) => jobs[index]!),
                options.renderer,
              ),
            }
          : { one: await renderOne(jobs[group[0]!]!, options) },
      async (produced, group) => {
        const split =
          produced.group !== undefined
            ? await splitGroup(
                produced.group,
                group.map((index) => namespaces.get(index)!),
              )
            : undefined;
        for (const [position, index] of group.entries()) {
          const job = jobs[index]!;
          const one = produced.one ?? split?.[position] ?? (await renderOne(job, options));
          const key = keys[index];
          // Only a clean render is remembered: a warning must show again on the next run.
          if (cache !== false && key !== undefined && one.warnings.length === 0) await cache.set(key, one);
          results[index] = await consume(one, job, index);
          await yieldToEventLoop();
        }
      },
    );
  } finally {
    forget?.();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    if (cache !== false) await cache.sweep();
  }
  return results;
}

/** What the renderer gave for a group: its whole output (`undefined`: render it overlay by overlay), or one overlay's render. */
type Produced = { readonly group: GroupOutput | undefined; readonly one?: undefined } | { readonly group?: undefined; readonly one: Rendered };

/** kustomize's output for a group's aggregate kustomization. */
interface GroupOutput {
  readonly yaml: string;
}

/** Renders one overlay by itself; a failure names its environment and shows paths under `root` relative to it. */
async function renderOne(job: OverlayJob, options: RenderOverlaysOptions): Promise<Rendered> {
  try {
    return await renderKustomization(job.dir, options.renderer);
  } catch (error) {
    if (!(error instanceof ArgusKustomizeError) || error.code !== "KUSTOMIZE_BUILD_FAILED") throw error;
    const shown = options.root !== undefined ? path.relative(options.root, job.dir).split(path.sep).join("/") : job.dir;
    const message = options.root !== undefined ? error.message.replaceAll(`${options.root}${path.sep}`, "") : error.message;
    throw new ArgusKustomizeError(error.code, message, { cause: error, location: { environment: job.environment, file: shown } });
  }
}

/**
 * Splits `indexes` into groups of at most `size` where no namespace repeats; an index without a
 * namespace gets a group of its own (rendered by itself). Order within the input is kept.
 */
export function groupByNamespace(indexes: readonly number[], namespaceOf: (index: number) => string | undefined, size: number): number[][] {
  const groups: Array<{ members: number[]; namespaces: Set<string> }> = [];
  const singles: number[][] = [];
  let open = 0;
  for (const index of indexes) {
    const namespace = namespaceOf(index);
    if (namespace === undefined || size === 1) {
      singles.push([index]);
      continue;
    }
    // First group, from the oldest one still open, with room and without this namespace.
    let group = groups.slice(open).find((candidate) => candidate.members.length < size && !candidate.namespaces.has(namespace));
    if (group === undefined) {
      group = { members: [], namespaces: new Set() };
      groups.push(group);
    }
    group.members.push(index);
    group.namespaces.add(namespace);
    while (open < groups.length && groups[open]!.members.length >= size) open += 1;
  }
  return [...groups.map((group) => group.members), ...singles];
}

/**
 * The `namespace:` an overlay's kustomization sets, or `undefined` when it sets none or cannot
 * be read (such an overlay is rendered by itself, where kustomize reports any problem).
 */
function overlayNamespace(dir: string, factsOf: (kustomization: Uint8Array) => KustomizationFacts): string | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(dir, name));
    } catch {
      continue;
    }
    return factsOf(bytes).namespace;
  }
  return undefined;
}

/**
 * Runs the renderer on an aggregate kustomization listing the group's overlays; `undefined` when
 * the group must be rendered overlay by overlay (a build error or a warning).
 */
async function buildGroup(scratch: string, jobs: readonly OverlayJob[], renderer: Renderer): Promise<GroupOutput | undefined> {
  await mkdir(scratch, { recursive: true });
  // kustomize refuses absolute resource paths, and resolves relative ones from the real path of
  // the kustomization (a symlinked temp dir, as on macOS, would break a plain relative path).
  const real = await realpath(scratch);
  const resources = await Promise.all(
    jobs.map(async (job) =>
      path
        .relative(real, await realpath(job.dir))
        .split(path.sep)
        .join("/"),
    ),
  );
  await writeFile(path.join(scratch, "kustomization.yaml"), `resources:\n${resources.map((resource) => `  - ${JSON.stringify(resource)}\n`).join("")}`);
  try {
    const output = await runKustomize(scratch, renderer);
    return output.warnings.length > 0 ? undefined : { yaml: output.yaml };
  } catch (error) {
    if (error instanceof ArgusKustomizeError && error.code === "KUSTOMIZE_BUILD_FAILED") return undefined;
    throw error;
  }
}

/**
 * A group's output split into each overlay's render by the namespace each overlay sets (in the
 * group's order); `undefined` when an object cannot be attributed (the group is then rendered
 * overlay by overlay).
 */
async function splitGroup(output: GroupOutput, namespaces: readonly string[]): Promise<Rendered[] | undefined> {
  const byNamespace = new Map(namespaces.map((namespace, position) => [namespace, position]));
  const documents: string[][] = namespaces.map(() => []);
  const objects: Array<Array<Record<string, unknown>>> = namespaces.map(() => []);
  for (const text of splitDocuments(output.yaml)) {
    // Parsing and validating are the busy part of this process; between documents the event
    // loop reads the other renderers' output, or they stall on a full pipe (measured: one core
    // idle out of two without this).
    await yieldToEventLoop();
    const object = parseStream(text, "kustomize's output")[0];
    if (object === undefined) continue;
    const position = byNamespace.get(namespaceOf(object) ?? "");
    if (position === undefined) return undefined;
    documents[position]!.push(text);
    objects[position]!.push(object);
  }
  return namespaces.map((_namespace, position) => ({ objects: objects[position]!, yaml: documents[position]!.join("---\n"), warnings: [] }));
}

/** The namespace an object belongs to: its own, or its name for a Namespace; else `undefined`. */
function namespaceOf(object: Record<string, unknown>): string | undefined {
  const metadata = object["metadata"] as { namespace?: unknown; name?: unknown } | undefined;
  if (typeof metadata?.namespace === "string") return metadata.namespace;
  if (object["apiVersion"] === "v1" && object["kind"] === "Namespace" && typeof metadata?.name === "string") return metadata.name;
  return undefined;
}

/**
 * kustomize's output split into its documents, each with its final newline. Every line of an
 * object is indented or starts a top-level key, so a line `---` is always a separator.
 */
function splitDocuments(yaml: string): string[] {
  if (yaml === "") return [];
  return yaml.split(/^---\n/m).filter((text) => text !== "");
}
