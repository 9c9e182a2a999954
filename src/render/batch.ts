import { rmSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { renderKeyer, type RenderCache } from "./cache.js";
import { DISK, knownFilesView, type FileView, type KnownFiles } from "./file-view.js";
import { kustomizationFacts, type KustomizationFacts } from "./references.js";
import { parseStream, renderKustomization, runKustomize, type Rendered, type Renderer } from "./kustomize.js";
import { defaultConcurrency, pipeInOrder } from "../pool.js";
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
  /**
   * Resolves once the overlay `jobs[index]`, and everything it reads, is on disk. Each overlay is
   * looked up and rendered as soon as it is: generate renders the first groups while it is still
   * writing the later overlays of its staging directory.
   * @default every overlay is on disk already
   */
  readonly ready?: (index: number) => Promise<void>;
  /**
   * A tree this run wrote (generate's staging directory), whose files are known without reading
   * them back: cache keys and namespaces are computed from them (file-view.ts).
   * @default every file is read from the disk
   */
  readonly known?: KnownFiles;
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
  const files = options.known !== undefined ? knownFilesView(options.known) : DISK;
  const keyOf = cache === false ? undefined : renderKeyer(options.renderer, cache, files);
  const facts = keyOf?.facts ?? kustomizationFacts(false);
  const keys = new Array<string | undefined>(jobs.length);
  const namespaces = new Map<number, string | undefined>();

  // Each overlay, in order, as soon as it is on disk: its cache key and look-up (a hit is consumed
  // at once and dropped), then, for a miss, its namespace, and into a group. Groups go to the
  // renderers as they fill, while later overlays are still being looked up (or written).
  const groups = new Channel<number[]>();
  const grouper = new NamespaceGrouper(groupSize);
  let stopped = false;
  const lookups = pipeInOrder(
    jobs,
    FILE_CONCURRENCY,
    async (job, index) => {
      await options.ready?.(index);
      if (stopped) return false;
      const key = keyOf === undefined ? undefined : await keyOf(job.dir);
      keys[index] = key;
      const hit = cache !== false && key !== undefined ? await cache.get(key) : undefined;
      if (hit === undefined) return true;
      results[index] = await consume(hit, job, index);
      return false;
    },
    async (missed, job, index) => {
      if (!missed || stopped) return;
      const namespace = groupSize > 1 ? overlayNamespace(job.dir, facts.of, files) : undefined;
      namespaces.set(index, namespace);
      for (const group of grouper.add(index, namespace)) groups.push(group);
    },
  ).then(
    async () => {
      await keyOf?.remember();
      for (const group of grouper.finish()) groups.push(group);
      groups.close();
    },
    (error: unknown) => {
      stopped = true;
      groups.fail(error);
    },
  );

  // Any failure fails the run: the look-ups stop at once, instead of keying, looking up and
  // consuming every overlay left before the error is thrown.
  const stopping =
    <A extends unknown[], T>(step: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        return await step(...args);
      } catch (error) {
        stopped = true;
        throw error;
      }
    };
  let scratch: Promise<string> | undefined;
  let forget: (() => void) | undefined;
  // Made for the first group of more than one overlay; a SIGTERM or SIGINT mid-render removes it
  // too (the finally would not run).
  const scratchDir = (): Promise<string> =>
    (scratch ??= mkdtemp(path.join(tmpdir(), "argusai-kustomize-batch-")).then((dir) => {
      forget = onTermination(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    }));
  try {
    // kubectl runs for the next groups while this process splits, remembers and consumes the
    // previous one's output, in the order of the groups.
    await pipeInOrder(
      groups,
      options.concurrency ?? defaultConcurrency(),
      stopping(
        async (group: number[], groupIndex: number): Promise<Produced> =>
          group.length > 1
            ? {
                group: await buildGroup(
                  path.join(await scratchDir(), String(groupIndex)),
                  group.map((index) => jobs[index]!),
                  options.renderer,
                ),
              }
            : { one: await renderOne(jobs[group[0]!]!, options) },
      ),
      stopping(async (produced: Produced, group: number[]) => {
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
      }),
    );
  } finally {
    // A failed render stops the look-ups; they end before anything is removed under them.
    stopped = true;
    await lookups;
    forget?.();
    // (A scratch directory that could not be made failed its group: nothing to remove.)
    const made = await scratch?.catch(() => undefined);
    if (made !== undefined) await rm(made, { recursive: true, force: true });
    if (cache !== false) await cache.sweep();
  }
  return results;
}

/**
 * Items that arrive over time, read once in order by `for await`: pushed by one side, taken by the
 * other, with the end (or a failure) after the last.
 */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private end: { readonly failure?: { readonly error: unknown } } | undefined;
  private arrived: () => void = () => undefined;

  push(item: T): void {
    this.items.push(item);
    this.arrived();
  }

  close(): void {
    this.end = {};
    this.arrived();
  }

  fail(error: unknown): void {
    this.end = { failure: { error } };
    this.arrived();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.end !== undefined) {
        if (this.end.failure !== undefined) throw this.end.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.arrived = resolve));
    }
  }
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
 * Groups overlays as they come: at most `size` to a group, no namespace twice in one (so each
 * object of the group's output belongs to one overlay). An overlay without a namespace, or any
 * with a size of 1, is a group by itself. Each overlay goes to the oldest open group that can take
 * it; a group is given out when it is full, the rest at the end, oldest first.
 */
export class NamespaceGrouper {
  private readonly open: Array<{ readonly members: number[]; readonly namespaces: Set<string> }> = [];

  constructor(private readonly size: number) {}

  /** Adds `index`; returns the groups this completes (a full one, or `index` by itself). */
  add(index: number, namespace: string | undefined): number[][] {
    if (namespace === undefined || this.size === 1) return [[index]];
    let group = this.open.find((candidate) => !candidate.namespaces.has(namespace));
    if (group === undefined) {
      group = { members: [], namespaces: new Set() };
      this.open.push(group);
    }
    group.members.push(index);
    group.namespaces.add(namespace);
    if (group.members.length < this.size) return [];
    this.open.splice(this.open.indexOf(group), 1);
    return [group.members];
  }

  /** The groups still open, oldest first. */
  finish(): number[][] {
    return this.open.splice(0).map((group) => group.members);
  }
}

/** All of `indexes` grouped by a {@link NamespaceGrouper}, in the order it gives them out. */
export function groupByNamespace(indexes: readonly number[], namespaceOf: (index: number) => string | undefined, size: number): number[][] {
  const grouper = new NamespaceGrouper(size);
  return [...indexes.flatMap((index) => grouper.add(index, namespaceOf(index))), ...grouper.finish()];
}

/**
 * The `namespace:` an overlay's kustomization sets, or `undefined` when it sets none or cannot
 * be read (such an overlay is rendered by itself, where kustomize reports any problem).
 */
function overlayNamespace(dir: string, factsOf: (kustomization: Uint8Array) => KustomizationFacts, files: FileView): string | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    let bytes: Uint8Array;
    try {
      bytes = files.read(path.join(dir, name));
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
