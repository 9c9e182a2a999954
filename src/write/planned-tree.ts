/*
 * The planned tree as bytes (every owned file of a plan, the record included) and how the tree on
 * disk differs from it: what generate writes and what check reports. Nothing here writes.
 */
import path from "node:path";
import type { TreePlan } from "../kustomize/compile.js";
import { isSafeRelative, JOURNAL_FILE, readIfExists } from "../tree/layout.js";
import { RECORD_FILE, readRecord, recordText, type RecordedArgoCD, type RecordedEnvironment, type RecordedSource } from "../tree/record.js";
import { readDiskFiles, type DiskFiles } from "../tree/disk-files.js";
import { toYaml } from "./yaml.js";
import type { YamlMemo } from "./yaml-memo.js";

/** The bytes of every owned file of a plan, by POSIX path, including the record. Sorted by path. */
export type TreeContents = ReadonlyMap<string, string>;

/**
 * Serializes a plan into exact file contents (deterministic: same plan, same bytes), each
 * document through `memo` when given (see yaml-memo.ts; the bytes are the same either way).
 */
export function treeContents(
  plan: TreePlan,
  environments: readonly RecordedEnvironment[],
  argusRecord: { readonly argocd?: RecordedArgoCD; readonly source?: RecordedSource } = {},
  memo?: YamlMemo,
): TreeContents {
  const contents = new Map<string, string>();
  for (const file of plan.files) contents.set(file.path, "text" in file ? file.text : (memo?.yamlOf(file.documents) ?? toYaml(file.documents)));
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

/**
 * Compares the tree in `dir` with `contents`; seeds (`seedPaths` and recorded ones) and files not
 * owned are ignored. `disk` may hold files already read (see {@link readDiskFiles}); the others
 * are read here.
 */
export async function findDrift(dir: string, contents: TreeContents, seedPaths: readonly string[] = [], disk?: DiskFiles): Promise<TreeDrift[]> {
  const drift: TreeDrift[] = [];
  const journal = await readIfExists(path.join(dir, JOURNAL_FILE));
  if (journal !== undefined) drift.push({ path: JOURNAL_FILE, status: "interrupted", actual: journal, expected: undefined });
  const record = await readRecord(dir);
  // Seeds hold secrets: never compared, never shown in a diff.
  const staleCandidates = record.files.filter(
    (file) => !contents.has(file) && isSafeRelative(file) && !record.seeds.includes(file) && !seedPaths.includes(file),
  );
  const wanted = [...contents.keys(), ...staleCandidates];
  const read = readDiskFiles(dir, disk === undefined ? wanted : wanted.filter((file) => !disk.has(file)));
  const actualOf = (file: string) => (disk?.has(file) === true ? disk.get(file) : read.get(file));
  for (const [file, expected] of contents) {
    const actual = actualOf(file);
    if (actual === undefined) drift.push({ path: file, status: "missing", actual, expected });
    else if (actual !== expected) drift.push({ path: file, status: "changed", actual, expected });
  }
  for (const file of staleCandidates) {
    const actual = actualOf(file);
    if (actual !== undefined) drift.push({ path: file, status: "stale", actual, expected: undefined });
  }
  return drift;
}
