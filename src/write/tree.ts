import path from "node:path";
import type { PlannedFile, TreePlan } from "../kustomize/compile.js";
import { mapBounded } from "../pool.js";
import { isSafeRelative, JOURNAL_FILE, readIfExists, resolveInside } from "../tree/layout.js";
import { RECORD_FILE, readRecord, recordText, type RecordedArgoCD, type RecordedEnvironment, type RecordedSource } from "../tree/record.js";
import { toYaml } from "./yaml.js";

/** The bytes of every owned file of a plan, by POSIX path, including the record. Sorted by path. */
export type TreeContents = ReadonlyMap<string, string>;

/** Serializes a plan into exact file contents (deterministic: same plan, same bytes). */
export function treeContents(
  plan: TreePlan,
  environments: readonly RecordedEnvironment[],
  argusRecord: { readonly argocd?: RecordedArgoCD; readonly source?: RecordedSource } = {},
): TreeContents {
  const contents = new Map<string, string>();
  for (const file of plan.files) contents.set(file.path, serialize(file));
  contents.set(
    RECORD_FILE,
    recordText({
      environments,
      ...(argusRecord.argocd !== undefined ? { argocd: argusRecord.argocd } : {}),
      ...(argusRecord.source !== undefined ? { source: argusRecord.source } : {}),
      files: [...contents.keys(), RECORD_FILE].sort(),
      seeds: plan.seeds.map((seed) => seed.path).sort(),
    }),
  );
  return new Map([...contents.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A file's text for comparison; a directory standing where a file belongs reads as such. */
async function readForCheck(dir: string, file: string): Promise<string | undefined> {
  try {
    return await readIfExists(resolveInside(dir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EISDIR") return "(a directory is here)\n";
    throw error;
  }
}

function serialize(file: PlannedFile): string {
  return "text" in file ? file.text : toYaml(file.documents);
}

/** One difference between the tree on disk and what generate would write. */
export interface TreeDrift {
  readonly path: string;
  /** `interrupted`: a generate was killed mid-swap and its journal is still there. */
  readonly status: "changed" | "missing" | "stale" | "interrupted";
  /** Current bytes on disk (`undefined` when missing). */
  readonly actual: string | undefined;
  /** Bytes generate would write (`undefined` for a stale file generate would delete). */
  readonly expected: string | undefined;
}

/** How many files check reads at once: enough to keep the disk busy, few enough for any fd limit. */
const READ_CONCURRENCY = 64;

/** Compares the tree in `dir` with `contents`; seeds (`seedPaths` and recorded ones) and files not owned are ignored. */
export async function findDrift(dir: string, contents: TreeContents, seedPaths: readonly string[] = []): Promise<TreeDrift[]> {
  const drift: TreeDrift[] = [];
  const journal = await readIfExists(path.join(dir, JOURNAL_FILE));
  if (journal !== undefined) drift.push({ path: JOURNAL_FILE, status: "interrupted", actual: journal, expected: undefined });
  const expectedFiles = [...contents.entries()];
  const actuals = await mapBounded(expectedFiles, READ_CONCURRENCY, ([file]) => readForCheck(dir, file));
  for (const [index, [file, expected]] of expectedFiles.entries()) {
    const actual = actuals[index];
    if (actual === undefined) drift.push({ path: file, status: "missing", actual, expected });
    else if (actual !== expected) drift.push({ path: file, status: "changed", actual, expected });
  }
  const record = await readRecord(dir);
  // Seeds hold secrets: never compared, never shown in a diff.
  const staleCandidates = record.files.filter((file) => !contents.has(file) && isSafeRelative(file) && !record.seeds.includes(file) && !seedPaths.includes(file));
  const stale = await mapBounded(staleCandidates, READ_CONCURRENCY, (file) => readForCheck(dir, file));
  for (const [index, file] of staleCandidates.entries()) {
    const actual = stale[index];
    if (actual !== undefined) drift.push({ path: file, status: "stale", actual, expected: undefined });
  }
  return drift;
}
