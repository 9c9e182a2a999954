import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ArgusKustomizeError } from "../errors.js";
import type { ArgusBase } from "../model/base.js";
import { environmentName, loadEnvironments, type EnvironmentSource, type EnvironmentSpec } from "../model/environment-spec.js";
import { builtInEnvironments } from "../model/built-in-environments.js";
import { readEnvironmentFile } from "./read-environment-file.js";
import { RECORD_FILE, readRecord, type RecordedEnvironment } from "./record.js";

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
  // Recorded entries are loaded only if they survive the files and removals of this run, so a
  // recorded file that was moved away can still be replaced or removed.
  const entries: Entry[] = [];

  if (options.environments !== undefined) {
    for (const spec of options.environments) {
      const builtIn = builtIns.find((candidate) => isDeepStrictEqual(candidate, spec));
      entries.push({ recorded: builtIn !== undefined ? { builtin: builtIn.name } : { spec }, name: spec.name, load: async () => ({ spec }) });
    }
  } else {
    const recorded = (await readRecord(root)).environments;
    const initial: RecordedEnvironment[] = recorded.length > 0 ? [...recorded] : builtIns.map((spec) => ({ builtin: spec.name }));
    for (const entry of initial) entries.push(recordedEntry(root, entry, builtIns));
  }

  // A file replaces the recorded environment with its path or name (that is how one is updated);
  // two files given together with one name both stay, so validation reports the clash.
  const given = new Set<Entry>();
  for (const file of options.envFiles ?? []) {
    const absolute = path.resolve(file);
    const relative = path.relative(root, absolute).split(path.sep).join("/");
    if ([...given].some((entry) => "file" in entry.recorded && entry.recorded.file === relative)) {
      throw new ArgusKustomizeError("USAGE", "is given twice with --env-file", { location: { file } });
    }
    const source = await readEnvironmentFile(absolute, file);
    const name = environmentName(source.spec);
    const entry: Entry = { recorded: { file: relative, name }, name, load: async () => source };
    // The same file first (its environment may have been renamed), else the same name.
    const sameFile = entries.findIndex((other) => !given.has(other) && "file" in other.recorded && other.recorded.file === relative);
    const replaced = sameFile !== -1 ? sameFile : entries.findIndex((other) => !given.has(other) && other.name === name);
    if (replaced !== -1) entries.splice(replaced, 1, entry);
    else entries.push(entry);
    given.add(entry);
  }

  for (const name of options.removeEnvironments ?? []) {
    const index = entries.findIndex((entry) => entry.name === name);
    if (index === -1) {
      throw new ArgusKustomizeError("USAGE", `there is no environment "${name}" to remove (have: ${entries.map((entry) => entry.name).join(", ")})`, {
        location: { environment: name },
      });
    }
    entries.splice(index, 1);
  }

  const sources = await Promise.all(entries.map((entry) => entry.load()));
  const specs = loadEnvironments(sources);
  return { specs, recorded: entries.map((entry) => entry.recorded) };
}

interface Entry {
  readonly recorded: RecordedEnvironment;
  readonly name: string;
  readonly load: () => Promise<EnvironmentSource>;
}

function recordedEntry(root: string, entry: RecordedEnvironment, builtIns: readonly EnvironmentSpec[]): Entry {
  if ("builtin" in entry) {
    return {
      recorded: entry,
      name: entry.builtin,
      load: async () => {
        const spec = builtIns.find((candidate) => candidate.name === entry.builtin);
        if (spec === undefined) {
          throw new ArgusKustomizeError(
            "INVALID_SPEC",
            `records a built-in environment "${entry.builtin}" this version does not have (built in: ${builtIns.map((b) => b.name).join(", ")}); drop it with --remove-env ${entry.builtin}`,
            { location: { file: RECORD_FILE, environment: entry.builtin } },
          );
        }
        return { spec };
      },
    };
  }
  if ("file" in entry) {
    const absolute = path.resolve(root, entry.file);
    const shown = path.relative(process.cwd(), absolute) || entry.file;
    return {
      recorded: entry,
      name: entry.name,
      load: () => readEnvironmentFile(absolute, shown, entry.name),
    };
  }
  return { recorded: entry, name: environmentName(entry.spec), load: async () => ({ spec: entry.spec, file: RECORD_FILE }) };
}
