import { readFile } from "node:fs/promises";
import path from "node:path";
import type { EnvironmentSpec } from "../model/environment.js";

/**
 * The record kept at the root of a generated tree. It is the tree's lockfile: which environments
 * it was generated from (so `check` and a plain `generate` reproduce it, however it was first
 * made), which files generate owns (the only ones it ever overwrites or deletes), and which seed
 * files it created (machine-local, never compared, never overwritten).
 */
export const RECORD_FILE = ".argusai-kustomize.json";

/** Where one environment of a tree came from. */
export type RecordedEnvironment =
  /** A built-in environment (dev, prod), as the installed version of this tool defines it. */
  | { readonly builtin: string }
  /** An environment file, by its path relative to the tree's root. */
  | { readonly file: string }
  /** A spec given by a script, stored whole. */
  | { readonly spec: EnvironmentSpec };

/** The content of {@link RECORD_FILE}. */
export interface TreeRecord {
  readonly environments: readonly RecordedEnvironment[];
  /** Files generate owns, sorted, including the record itself. */
  readonly files: readonly string[];
  /** Seed files generate created once and never overwrites. */
  readonly seeds: readonly string[];
}

/** The record's exact bytes (deterministic: stable key order, two-space JSON, trailing newline). */
export function recordText(record: TreeRecord): string {
  const ordered = {
    generator: "argusai-kustomize",
    note: "Written by argusai-kustomize generate: the environments this tree is generated from and the files it owns. Files not listed are yours and never touched.",
    environments: record.environments,
    files: record.files,
    seeds: record.seeds,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * The record of the tree in `dir`, or an empty one for a new tree. A damaged record owns nothing,
 * so nothing is ever deleted on its word.
 */
export async function readRecord(dir: string): Promise<TreeRecord> {
  let text: string;
  try {
    text = await readFile(path.join(dir, RECORD_FILE), "utf8");
  } catch {
    return { environments: [], files: [], seeds: [] };
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    return {
      environments: Array.isArray(raw["environments"]) ? (raw["environments"] as RecordedEnvironment[]).filter(isRecordedEnvironment) : [],
      files: stringList(raw["files"]),
      seeds: stringList(raw["seeds"]),
    };
  } catch {
    return { environments: [], files: [], seeds: [] };
  }
}

function isRecordedEnvironment(entry: unknown): entry is RecordedEnvironment {
  if (typeof entry !== "object" || entry === null) return false;
  const record = entry as Record<string, unknown>;
  return typeof record["builtin"] === "string" || typeof record["file"] === "string" || (typeof record["spec"] === "object" && record["spec"] !== null);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
