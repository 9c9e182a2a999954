import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { access, link, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import type { PlannedFile, SeedFile, TreePlan } from "../kustomize/compile.js";
import { toYaml } from "./yaml.js";

/**
 * The list of files generate owns, kept at the root of the tree. A later run deletes only files
 * on this list, so a user's own file in `base/` or `overlays/` is never touched.
 */
export const OWNED_LIST_FILE = ".argusai-kustomize.json";

/** The bytes of every file of a plan, by POSIX path, including the owned list itself. */
export type TreeContents = ReadonlyMap<string, string>;

/** Serializes a plan into exact file contents (deterministic: same plan, same bytes). */
export function treeContents(plan: TreePlan): TreeContents {
  const contents = new Map<string, string>();
  for (const file of plan.files) contents.set(file.path, serialize(file));
  const owned = [...contents.keys(), OWNED_LIST_FILE].sort();
  contents.set(
    OWNED_LIST_FILE,
    `${JSON.stringify({ generator: "argusai-kustomize", note: "files written by argusai-kustomize generate; others are yours", files: owned }, null, 2)}\n`,
  );
  return new Map([...contents.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function serialize(file: PlannedFile): string {
  return "text" in file ? file.text : toYaml(file.documents);
}

/** One difference between the tree on disk and what generate would write. */
export interface TreeDrift {
  readonly path: string;
  readonly status: "changed" | "missing" | "stale";
  /** Current bytes on disk (`undefined` when missing). */
  readonly actual: string | undefined;
  /** Bytes generate would write (`undefined` for a stale file generate would delete). */
  readonly expected: string | undefined;
}

/** Compares the tree in `dir` with `contents`; seeds and files not owned are ignored. */
export async function findDrift(dir: string, contents: TreeContents): Promise<TreeDrift[]> {
  const drift: TreeDrift[] = [];
  for (const [file, expected] of contents) {
    const actual = await readIfExists(resolveInside(dir, file));
    if (actual === undefined) drift.push({ path: file, status: "missing", actual, expected });
    else if (actual !== expected) drift.push({ path: file, status: "changed", actual, expected });
  }
  for (const file of await readOwnedList(dir)) {
    if (contents.has(file)) continue;
    const actual = await readIfExists(resolveInside(dir, file));
    if (actual !== undefined) drift.push({ path: file, status: "stale", actual, expected: undefined });
  }
  return drift;
}

/** Options of {@link writeTree}. */
export interface WriteTreeOptions {
  /** Runs on the staged tree before anything in `dir` changes; a throw leaves `dir` untouched. */
  readonly verify?: (stagingDir: string) => Promise<void>;
}

/** What {@link writeTree} did. */
export interface WriteTreeResult {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly deleted: readonly string[];
  readonly seeded: readonly string[];
}

/**
 * Writes the tree into `dir`: everything is first written to a staging directory inside `dir`
 * (same filesystem, so the final moves are atomic renames) and verified there; only then is each
 * file renamed into place. Owned files that are no longer generated are deleted; seeds are
 * created only where missing; files generate does not own are never touched.
 *
 * @throws ArgusKustomizeError WRITE_FAILED when `dir` is not writable or a file of yours is in the way
 */
export async function writeTree(dir: string, contents: TreeContents, seeds: readonly SeedFile[], options: WriteTreeOptions = {}): Promise<WriteTreeResult> {
  const root = path.resolve(dir);
  await ensureWritableDir(root);
  const previouslyOwned = new Set(await readOwnedList(root));
  await refuseForeignFiles(root, contents, previouslyOwned);

  const staging = path.join(root, `.argusai-kustomize-staging-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    for (const [file, text] of contents) await writeNew(resolveInside(staging, file), text);
    const seedTexts = new Map<string, string>();
    for (const seed of seeds) {
      const text = (await readIfExists(resolveInside(root, seed.path))) ?? seed.create();
      seedTexts.set(seed.path, text);
      await writeNew(resolveInside(staging, seed.path), text);
    }
    await options.verify?.(staging);

    const written: string[] = [];
    const unchanged: string[] = [];
    // The owned list goes in last: until it lands, the previous list still covers every file.
    const order = [...contents.keys()].filter((file) => file !== OWNED_LIST_FILE).concat(OWNED_LIST_FILE);
    for (const file of order) {
      const target = resolveInside(root, file);
      if ((await readIfExists(target)) === contents.get(file)) {
        unchanged.push(file);
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      await rename(resolveInside(staging, file), target);
      written.push(file);
    }
    const seeded: string[] = [];
    for (const seed of seeds) {
      // link() refuses to replace an existing file: a seed created meanwhile is kept, never overwritten.
      const created = await link(resolveInside(staging, seed.path), resolveInside(root, seed.path)).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === "EEXIST") return false;
          throw error;
        },
      );
      if (created) seeded.push(seed.path);
    }
    const deleted: string[] = [];
    for (const file of [...previouslyOwned].sort()) {
      if (contents.has(file)) continue;
      const target = resolveInside(root, file);
      if ((await readIfExists(target)) === undefined) continue;
      await unlink(target);
      deleted.push(file);
      await removeEmptyParents(root, path.dirname(target));
    }
    return { written, unchanged, deleted, seeded };
  } catch (error) {
    if (error instanceof ArgusKustomizeError) throw error;
    throw new ArgusKustomizeError("WRITE_FAILED", `cannot write the tree in ${root}: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Files listed as generated by the last run in `dir` (empty for a new tree). */
export async function readOwnedList(dir: string): Promise<string[]> {
  const text = await readIfExists(path.join(dir, OWNED_LIST_FILE));
  if (text === undefined) return [];
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    if (Array.isArray(files) && files.every((file) => typeof file === "string")) return files.filter(isSafeRelative);
  } catch {
    // fall through: a damaged list owns nothing, so nothing is deleted on its word
  }
  return [];
}

/**
 * Resolves a tree-relative POSIX path inside `root`, refusing anything that would land outside it
 * (absolute paths, `..`), whatever a name in a spec says.
 */
export function resolveInside(root: string, relative: string): string {
  if (!isSafeRelative(relative)) {
    throw new ArgusKustomizeError("WRITE_FAILED", `refusing to write outside the target directory: ${relative}`, { location: { file: relative } });
  }
  return path.join(root, ...relative.split("/"));
}

function isSafeRelative(relative: string): boolean {
  return relative !== "" && !relative.startsWith("/") && !relative.includes("\\") && relative.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

async function refuseForeignFiles(root: string, contents: TreeContents, owned: ReadonlySet<string>): Promise<void> {
  for (const [file, text] of contents) {
    const target = resolveInside(root, file);
    const info = await stat(target).catch(() => undefined);
    if (info === undefined) continue;
    if (info.isDirectory()) {
      throw new ArgusKustomizeError("WRITE_FAILED", `a directory is in the way of ${file}; move it away`, { location: { file } });
    }
    if (!owned.has(file) && file !== OWNED_LIST_FILE && (await readFile(target, "utf8")) !== text) {
      throw new ArgusKustomizeError("WRITE_FAILED", `${file} exists and was not written by argusai-kustomize; move it away or delete it, generate will not overwrite your files`, {
        location: { file },
      });
    }
  }
}

async function ensureWritableDir(root: string): Promise<void> {
  try {
    await mkdir(root, { recursive: true });
    await access(root, fsConstants.W_OK);
  } catch (error) {
    throw new ArgusKustomizeError("WRITE_FAILED", `the target directory ${root} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
    });
  }
}

async function writeNew(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { flag: "wx" });
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  let current = dir;
  while (current.startsWith(`${root}${path.sep}`)) {
    if ((await readdir(current)).length > 0) return;
    await rmdir(current);
    current = path.dirname(current);
  }
}
