import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import path from "node:path";
import { gitRepositoryOf, originOf } from "../argocd/source.js";
import { codeVersion } from "../code-version.js";
import type { SeedFile } from "../kustomize/compile.js";
import { defaultCacheDir, openEntryStore, type EntryStore, type StoreBounds } from "../cache-store.js";
import { isSafeRelative, JOURNAL_FILE, readIfExists, RECORD_FILE } from "../tree/layout.js";
import { readDiskFiles } from "../tree/disk-files.js";
import type { TreeContents, TreeDrift } from "../write/planned-tree.js";

/*
 * check without planning, when nothing it plans from changed. A plan (every file generate would
 * write) is a function of: the code (code-version.ts), the tree's directory, its record, the
 * bytes of every environment file the record names or the command line gives, the options, every
 * package.json above the tree (the Argo CD repoURL may come from one) and the Git repository
 * holding it (its root and its origin remote). Their hash keys the digests of
 * a plan computed before; when the key is found, check compares the tree on disk with those
 * digests instead of parsing, compiling and serialising 500 environments again. Only "no drift"
 * is answered this way: any difference, or any doubt (an input that cannot be read plainly, a
 * config file or a script's own environments, components or base, which are code of the caller
 * that may read anything), plans in full, so every diff, hint and error is the one a full check
 * gives.
 *
 * The digests live in the cache directory (`<cache>/plans/`), with the guarantees of every store
 * there: atomic writes, a damaged entry is a miss, bounded (see {@link PLAN_MEMO_BOUNDS}). A fresh
 * CI runner has none: its first check plans in full.
 */

const FORMAT = "argusai-kustomize plan digests 1";

/** A record lists every owned file: 64 MiB is far beyond any tree; a larger one is not memoised. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** An environment file is at most 1 MiB (read-environment-file.ts); a package.json is smaller still. */
const MAX_INPUT_BYTES = 1024 * 1024;

/** A plan's digests are about 100 bytes per file: 64 MiB holds hundreds of 500-environment plans; nothing unused for 30 days. */
export const PLAN_MEMO_BOUNDS: StoreBounds = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** What check is asked: the tree and the inputs it plans from. */
export interface PlanInputs {
  readonly dir: string;
  readonly envFiles?: readonly string[];
  readonly removeEnvironments?: readonly string[];
  readonly argocd?: unknown;
  /** A script's own environments, components or base: never memoised (they are the caller's code). */
  readonly environments?: unknown;
  readonly components?: unknown;
  readonly base?: unknown;
}

/** What is remembered of a plan. */
interface PlanDigests {
  /** Every planned file with the sha256 of its bytes. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  readonly seeds: readonly string[];
}

/**
 * The drift of the tree in `inputs.dir` against the plan `plan` makes, answered from remembered
 * digests when the inputs are unchanged and the tree matches them (see above).
 *
 * @param store where digests are remembered; default `<default cache dir>/plans`, `false` for none
 */
export async function checkWithMemo(
  inputs: PlanInputs,
  plan: () => Promise<{ readonly contents: TreeContents; readonly seeds: readonly SeedFile[] }>,
  store: EntryStore | false = defaultPlanStore(),
): Promise<TreeDrift[]> {
  const dir = path.resolve(inputs.dir);
  if (await rememberedNoDrift(inputs, store)) return [];
  const key = store !== false ? await planInputsKey(dir, inputs) : undefined;
  const planned = await plan();
  await rememberPlan(inputs, key, planned, store);
  // Loaded only here: answering from memory needs neither the record's schema nor YAML.
  const { findDrift } = await import("../write/planned-tree.js");
  return findDrift(
    dir,
    planned.contents,
    planned.seeds.map((seed) => seed.path),
  );
}

/** Where plan digests are remembered by default: `<default cache dir>/plans`. */
export function defaultPlanStore(): EntryStore {
  return openEntryStore(path.join(defaultCacheDir(), "plans"), FORMAT, PLAN_MEMO_BOUNDS);
}

/**
 * True when the tree in `inputs.dir` is known to have no drift: a plan of exactly these inputs
 * was remembered and the tree on disk matches it. `false` means "plan and see", never "drift".
 */
export async function rememberedNoDrift(inputs: PlanInputs, store: EntryStore | false = defaultPlanStore()): Promise<boolean> {
  if (store === false) return false;
  const dir = path.resolve(inputs.dir);
  const key = await planInputsKey(dir, inputs);
  const remembered = key !== undefined ? asDigests(store.read(key)) : undefined;
  return remembered !== undefined && (await matchesDigests(dir, remembered));
}

/**
 * Remembers the digests of `planned` under `key` (made by {@link planInputsKey} before planning),
 * if no input changed while the plan was made (else the digests would be of newer inputs than the
 * key says).
 */
export async function rememberPlan(
  inputs: PlanInputs,
  key: string | undefined,
  planned: { readonly contents: TreeContents; readonly seeds: readonly SeedFile[] },
  store: EntryStore | false = defaultPlanStore(),
): Promise<void> {
  if (key === undefined || store === false || (await planInputsKey(path.resolve(inputs.dir), inputs)) !== key) return;
  const files = [...planned.contents].map(([file, text]) => [file, sha256(text)] as const);
  await store.write(key, { files, seeds: planned.seeds.map((seed) => seed.path) } satisfies PlanDigests);
  await store.sweep();
}

/** The key of everything a plan is made from, or `undefined` when an input is not plainly readable or is code (then no memo). */
export async function planInputsKey(dir: string, inputs: PlanInputs): Promise<string | undefined> {
  if (inputs.environments !== undefined || inputs.components !== undefined || inputs.base !== undefined) return undefined;
  // A config file is code (it may import or read anything): any file named like one, no memo.
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (names.some((name) => name.startsWith("argusai-kustomize.config."))) return undefined;
  const hash = createHash("sha256").update(`${FORMAT}\0${codeVersion()}\0${dir}\0`);
  const envFiles = (inputs.envFiles ?? []).map((file) => path.resolve(file));
  hash.update(`${JSON.stringify({ envFiles, remove: inputs.removeEnvironments ?? [], argocd: inputs.argocd ?? null })}\0`);
  const record = readPlainFile(path.join(dir, RECORD_FILE), MAX_RECORD_BYTES);
  if (record === undefined) return undefined;
  hash.update(`record ${record === null ? "(none)" : ""}\0`);
  if (record !== null) hash.update(record);
  let recorded: string[] = [];
  if (record !== null) {
    try {
      const environments = (JSON.parse(record.toString("utf8")) as { environments?: unknown }).environments;
      if (!Array.isArray(environments)) return undefined;
      recorded = environments.flatMap((entry) =>
        typeof (entry as { file?: unknown })?.file === "string" ? [path.resolve(dir, (entry as { file: string }).file)] : [],
      );
    } catch {
      return undefined;
    }
  }
  for (const file of [...recorded, ...envFiles]) {
    const bytes = readPlainFile(file, MAX_INPUT_BYTES);
    if (bytes === undefined || bytes === null) return undefined;
    hash.update(`env ${file} ${bytes.length}\0`).update(bytes);
  }
  // Every package.json above the tree (the repoURL may come from one), and the Git repository
  // holding it: its root (the tree's path in it) and its origin remote, as the plan reads it. Not
  // the whole config: a CI checkout writes a new token into it on every run (actions/checkout's
  // extraheader), and that would make every run plan in full.
  for (let current = dir; ; current = path.dirname(current)) {
    const bytes = readPlainFile(path.join(current, "package.json"), MAX_INPUT_BYTES);
    if (bytes === undefined) return undefined;
    if (bytes !== null) hash.update(`package ${current}\0`).update(bytes);
    if (path.dirname(current) === current) break;
  }
  const repository = await gitRepositoryOf(dir);
  if (repository !== undefined) {
    hash.update(`git ${repository.root} ${repository.configDir}\0origin ${(await originOf(repository)) ?? "(none)"}\0`);
  }
  return hash.digest("hex");
}

/** True when the tree on disk is exactly the remembered plan: no journal, every file's digest, nothing stale. */
async function matchesDigests(dir: string, digests: PlanDigests): Promise<boolean> {
  try {
    if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) return false;
    const disk = readDiskFiles(
      dir,
      digests.files.map(([file]) => file),
    );
    for (const [file, digest] of digests.files) {
      const text = disk.get(file);
      if (text === undefined || sha256(text) !== digest) return false;
    }
    // The record is one of the files: its list of owned files is the remembered one, so a stale
    // file is an owned one that is neither planned nor a seed and still exists.
    const record = JSON.parse(disk.get(RECORD_FILE) ?? "{}") as { files?: unknown; seeds?: unknown };
    const planned = new Set(digests.files.map(([file]) => file));
    const seeds = new Set([...digests.seeds, ...(Array.isArray(record.seeds) ? (record.seeds as string[]) : [])]);
    const stale = (Array.isArray(record.files) ? (record.files as unknown[]) : []).filter(
      (file): file is string => typeof file === "string" && isSafeRelative(file) && !planned.has(file) && !seeds.has(file),
    );
    for (const text of readDiskFiles(dir, stale).values()) if (text !== undefined) return false;
    return true;
  } catch {
    return false;
  }
}

function asDigests(value: unknown): PlanDigests | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { files, seeds } = value as { files?: unknown; seeds?: unknown };
  if (!Array.isArray(files) || !Array.isArray(seeds) || !seeds.every((seed) => typeof seed === "string")) return undefined;
  const valid = files.every(
    (entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === "string" && isSafeRelative(entry[0]) && typeof entry[1] === "string",
  );
  if (!valid || !files.some((entry) => (entry as string[])[0] === RECORD_FILE)) return undefined;
  return { files: files as Array<[string, string]>, seeds: seeds as string[] };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A regular file's bytes (at most what an environment file may be), `null` when there is no such
 * file, `undefined` when it is something else or cannot be read: then the full plan says why.
 * Opened non-blocking and checked on the descriptor, so a FIFO never blocks.
 */
function readPlainFile(file: string, maxBytes: number): Buffer | null | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? null : undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buffer = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < info.size) {
      const read = readSync(fd, buffer, length, info.size - length, null);
      if (read === 0) break;
      length += read;
    }
    return length === info.size ? buffer : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
