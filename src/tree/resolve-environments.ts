import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ArgusKustomizeError } from "../errors.js";
import { overlayPatches } from "../kustomize/overlay-patches.js";
import { mapBounded } from "../pool.js";
import { argusBase, type ArgusBase } from "../model/base.js";
import { ARGUSAI_COMPONENTS, componentNames, type ArgusComponent, type ComponentRegistry } from "../model/components.js";
import { environmentName, loadEnvironments, type EnvironmentSource, type EnvironmentSpec } from "../model/environment-spec.js";
import { builtInEnvironments } from "../model/built-in-environments.js";
import { openParsedFiles, type ParsedFiles } from "./parsed-files.js";
import { readEnvironmentFile } from "./read-environment-file.js";
import { RECORD_FILE, readRecord, type RecordedEnvironment, type TreeRecord } from "./record.js";

/*
 * Where a run's environments come from: a script's list, or the tree's record (built-ins by name,
 * files by path, script specs whole), updated by environment files and removals.
 */

/** Options shared by generate and check. */
export interface TreeOptions<C extends string = ArgusComponent> {
  /**
   * The directory holding `base/` and `overlays/`.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * The environments to write, one overlay each. Replaces those recorded in the tree.
   * @default the environments recorded in the tree's `.argusai-kustomize.json`, or dev and prod for a new tree
   */
  readonly environments?: readonly EnvironmentSpec<C>[];
  /**
   * Environment files (YAML or JSON, one environment each, paths relative to the working
   * directory). Each replaces a recorded environment of the same name or file, or is added.
   * @default []
   */
  readonly envFiles?: readonly string[];
  /** Names of recorded environments to drop (their overlays are deleted). @default [] */
  readonly removeEnvironments?: readonly string[];
  /**
   * The component registry the base and the environment schema are derived from; a script may add
   * components (pass the same registry to check, render and validate).
   * @default ARGUSAI_COMPONENTS (backend and frontend)
   */
  readonly components?: ComponentRegistry<C>;
  /**
   * The base itself, for a script that edits it beyond what the registry says (its registry is
   * then the one used).
   * @default argusBase(components)
   */
  readonly base?: ArgusBase<string>;
}

/** Where the environment files' parses of earlier runs are remembered (tree/parsed-files.ts). */
export interface ParsedFilesOption {
  /**
   * generate's `cache` option: `false` parses every file, a directory remembers there.
   * @default true (the default cache directory)
   */
  readonly cache?: boolean | string;
}

/** The registry and base a run uses. */
export function baseOf(options: Pick<TreeOptions<string>, "components" | "base">): ArgusBase<string> {
  return options.base ?? argusBase(options.components ?? ARGUSAI_COMPONENTS);
}

/** The environments of a run, validated, and how the record will remember them. */
export interface ResolvedEnvironments {
  readonly specs: readonly EnvironmentSpec<string>[];
  readonly recorded: readonly RecordedEnvironment[];
}

/**
 * The environments of a run: `environments` if given, else those recorded in the tree (dev and
 * prod for a new tree); then every environment file replaces or adds one. All are validated
 * together, so every problem of every spec is reported at once.
 *
 * @param record the tree's record, when the caller has read it already
 * @throws ArgusKustomizeError INVALID_SPEC (a bad spec or file), USAGE (removing an unknown environment)
 */
export async function resolveEnvironments(options: TreeOptions<string> & ParsedFilesOption = {}, record?: TreeRecord): Promise<ResolvedEnvironments> {
  const root = path.resolve(options.dir ?? process.cwd());
  const parsed = openParsedFiles(root, options.cache);
  const builtIns = builtInEnvironments(componentNames(baseOf(options).components));
  // Recorded entries are loaded only if they survive the files and removals of this run, so a
  // recorded file that was moved away can still be replaced or removed.
  const entries: Entry[] = [];

  if (options.environments !== undefined) {
    for (const spec of options.environments) {
      const builtIn = builtIns.find((candidate) => isDeepStrictEqual(candidate, spec));
      entries.push({ recorded: builtIn !== undefined ? { builtin: builtIn.name } : { spec }, name: spec.name, load: async () => ({ spec }) });
    }
  } else {
    const recorded = (record ?? (await readRecord(root))).environments;
    const initial: RecordedEnvironment[] = recorded.length > 0 ? [...recorded] : builtIns.map((spec) => ({ builtin: spec.name }));
    for (const entry of initial) {
      const recorded = recordedEntry(root, entry, builtIns, parsed);
      entries.push({ ...recorded, load: async () => ({ ...(await recorded.load()), origin: "record" }) });
    }
  }

  // A file replaces the recorded environment with its path or name (that is how one is updated);
  // two files given together with one name both stay, so validation reports the clash.
  const given = new Set<Entry>();
  // The files are read 16 at a time (500 awaited reads one after another left this process idle a
  // quarter of a second; all at once could run out of file descriptors), then taken in the order
  // given, a failure to read included, so the first problem reported is the same as before.
  const envFiles = options.envFiles ?? [];
  const reads = await mapBounded(envFiles, 16, (file) =>
    readEnvironmentFile(path.resolve(file), file, undefined, parsed).then(
      (value) => ({ status: "fulfilled" as const, value }),
      (reason: unknown) => ({ status: "rejected" as const, reason }),
    ),
  );
  for (const [index, file] of envFiles.entries()) {
    const absolute = path.resolve(file);
    const relative = path.relative(root, absolute).split(path.sep).join("/");
    if ([...given].some((entry) => "file" in entry.recorded && entry.recorded.file === relative)) {
      throw new ArgusKustomizeError("USAGE", "is given twice with --env-file", { location: { file } });
    }
    const read = reads[index]!;
    if (read.status === "rejected") throw read.reason;
    const source = read.value;
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
    if ([...given].some((entry) => entry.name === name)) {
      throw new ArgusKustomizeError("USAGE", `environment "${name}" is both given with --env-file and removed with --remove-env; do one or the other`, {
        location: { environment: name },
      });
    }
    const index = entries.findIndex((entry) => entry.name === name);
    if (index === -1) {
      throw new ArgusKustomizeError("USAGE", `there is no environment "${name}" to remove (have: ${entries.map((entry) => entry.name).join(", ")})`, {
        location: { environment: name },
      });
    }
    entries.splice(index, 1);
  }

  // Bounded like the reads above (a recorded environment's load reads its file); the first failure in order is thrown.
  const sources = await mapBounded(entries, 16, (entry) => entry.load());
  await parsed.save();
  const base = baseOf(options);
  const specs = loadEnvironments(sources, base.components);
  // Only specs with escape-hatch patches: typed patches come from validated values and cannot fail
  // (compileTree builds them all anyway; building them here too would be the same work twice).
  specs.forEach((spec, index) => {
    if (spec.patches !== undefined) verifyPatchesAt(sources[index]!, base, spec);
  });
  return { specs, recorded: entries.map((entry) => entry.recorded) };
}

/**
 * Builds an environment's patches against the base now, so a patch that does not resolve or
 * changes nothing (most often one of its own escape-hatch patches) is reported with the file and
 * line of its field, like every other problem of a spec.
 */
function verifyPatchesAt(source: EnvironmentSource, base: ArgusBase<string>, spec: EnvironmentSpec<string>): void {
  try {
    overlayPatches(base, spec);
  } catch (error) {
    if (!(error instanceof ArgusKustomizeError) || source.file === undefined) throw error;
    const field = error.location.field;
    const line = field !== undefined ? lineOfDotted(source, field) : undefined;
    throw new ArgusKustomizeError(error.code, error.reason, {
      cause: error,
      location: { ...error.location, file: source.file, ...(line !== undefined ? { line } : {}) },
    });
  }
}

/** The line of a dotted field (`patches.0.operations.1`), or of its nearest ancestor that has one. */
function lineOfDotted(source: EnvironmentSource, field: string): number | undefined {
  const path = field.split(".").map((part) => (/^[0-9]+$/.test(part) ? Number(part) : part));
  for (let length = path.length; length > 0; length -= 1) {
    const line = source.lineOf?.(path.slice(0, length));
    if (line !== undefined) return line;
  }
  return undefined;
}

interface Entry {
  readonly recorded: RecordedEnvironment;
  readonly name: string;
  readonly load: () => Promise<EnvironmentSource>;
}

function recordedEntry(root: string, entry: RecordedEnvironment, builtIns: readonly EnvironmentSpec[], parsed: ParsedFiles): Entry {
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
      load: () => readEnvironmentFile(absolute, shown, entry.name, parsed),
    };
  }
  return { recorded: entry, name: environmentName(entry.spec), load: async () => ({ spec: entry.spec, file: RECORD_FILE }) };
}
