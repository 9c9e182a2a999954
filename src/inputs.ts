import { readFile } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ArgusKustomizeError } from "./errors.js";
import type { ArgusBase } from "./model/base.js";
import { loadEnvironments, type EnvironmentSource, type EnvironmentSpec } from "./model/environment.js";
import { environmentSourceFromText } from "./model/environment-file.js";
import { builtInEnvironments } from "./model/environments.js";
import { RECORD_FILE, readRecord, type RecordedEnvironment } from "./write/record.js";

/*
 * Where a run's environments come from: a script's list, or the tree's record (built-ins by name,
 * files by path, script specs whole), updated by environment files and removals.
 */

/** Options shared by generate and check. */
export interface TreeOptions {
  /**
   * The directory holding `base/` and `overlays/`.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * The environments to write, one overlay each. Replaces those recorded in the tree.
   * @default the environments recorded in the tree's `.argusai-kustomize.json`, or dev and prod for a new tree
   */
  readonly environments?: readonly EnvironmentSpec[];
  /**
   * Environment files (YAML or JSON, one environment each, paths relative to the working
   * directory). Each replaces a recorded environment of the same name or file, or is added.
   * @default []
   */
  readonly envFiles?: readonly string[];
  /** Names of recorded environments to drop (their overlays are deleted). @default [] */
  readonly removeEnvironments?: readonly string[];
  /** The base model; tests and scripts may pass a modified one. @default argusBase() */
  readonly base?: ArgusBase;
}

/** The environments of a run, validated, and how the record will remember them. */
export interface ResolvedEnvironments {
  readonly specs: readonly EnvironmentSpec[];
  readonly recorded: readonly RecordedEnvironment[];
}

/**
 * The environments of a run: `environments` if given, else those recorded in the tree (dev and
 * prod for a new tree); then every environment file replaces or adds one. All are validated
 * together, so every problem of every spec is reported at once.
 *
 * @throws ArgusKustomizeError INVALID_SPEC (a bad spec or file), USAGE (removing an unknown environment)
 */
export async function resolveEnvironments(options: TreeOptions = {}): Promise<ResolvedEnvironments> {
  const root = path.resolve(options.dir ?? process.cwd());
  const builtIns = builtInEnvironments();
  const entries: Array<{ recorded: RecordedEnvironment; source: EnvironmentSource }> = [];

  if (options.environments !== undefined) {
    for (const spec of options.environments) {
      const builtIn = builtIns.find((candidate) => isDeepStrictEqual(candidate, spec));
      entries.push({ recorded: builtIn !== undefined ? { builtin: builtIn.name } : { spec }, source: { spec } });
    }
  } else {
    const recorded = (await readRecord(root)).environments;
    const initial: RecordedEnvironment[] = recorded.length > 0 ? [...recorded] : builtIns.map((spec) => ({ builtin: spec.name }));
    for (const entry of initial) entries.push({ recorded: entry, source: await sourceOf(root, entry, builtIns) });
  }

  // A file replaces a recorded environment with its name or path (that is how one is updated);
  // two files given together with one name both stay, so validation reports the clash.
  const given = new Set<unknown>();
  for (const file of options.envFiles ?? []) {
    const relative = path.relative(root, path.resolve(file)).split(path.sep).join("/");
    const source = await readEnvironmentFile(path.resolve(file), file);
    const entry = { recorded: { file: relative }, source };
    const replaced = entries.findIndex(
      (other) => !given.has(other) && (("file" in other.recorded && other.recorded.file === relative) || nameOf(other.source.spec) === nameOf(source.spec)),
    );
    if (replaced !== -1) entries.splice(replaced, 1, entry);
    else entries.push(entry);
    given.add(entry);
  }

  for (const name of options.removeEnvironments ?? []) {
    const index = entries.findIndex((entry) => nameOf(entry.source.spec) === name);
    if (index === -1) {
      throw new ArgusKustomizeError("USAGE", `there is no environment "${name}" to remove (have: ${entries.map((entry) => nameOf(entry.source.spec)).join(", ")})`, {
        location: { environment: name },
      });
    }
    entries.splice(index, 1);
  }

  const specs = loadEnvironments(entries.map((entry) => entry.source));
  return { specs, recorded: entries.map((entry) => entry.recorded) };
}

async function sourceOf(root: string, entry: RecordedEnvironment, builtIns: readonly EnvironmentSpec[]): Promise<EnvironmentSource> {
  if ("builtin" in entry) {
    const spec = builtIns.find((candidate) => candidate.name === entry.builtin);
    if (spec === undefined) {
      throw new ArgusKustomizeError("INVALID_SPEC", `records a built-in environment "${entry.builtin}" this version does not have (built in: ${builtIns.map((b) => b.name).join(", ")})`, {
        location: { file: RECORD_FILE, environment: entry.builtin },
      });
    }
    return { spec };
  }
  if ("file" in entry) {
    const absolute = path.resolve(root, entry.file);
    return readEnvironmentFile(absolute, path.relative(process.cwd(), absolute) || entry.file);
  }
  return { spec: entry.spec, file: RECORD_FILE };
}

async function readEnvironmentFile(absolute: string, shown: string): Promise<EnvironmentSource> {
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    throw new ArgusKustomizeError("INVALID_SPEC", `cannot read the environment file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
      location: { file: shown },
    });
  }
  return environmentSourceFromText(text, shown);
}

function nameOf(spec: unknown): unknown {
  return typeof spec === "object" && spec !== null ? (spec as { name?: unknown }).name : undefined;
}

