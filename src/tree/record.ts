import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ArgusKustomizeError } from "../errors.js";
import { osAdvice } from "../os-errors.js";
import type { ArgoCDOptions } from "../model/argocd-spec.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { isSafeRelative, RECORD_FILE } from "./layout.js";

// The record's name lives with the tree's other bookkeeping names (layout.ts), which code that
// must not load the record's schema (check's start-up) can import alone.
export { RECORD_FILE };

/** Where one environment of a tree came from. */
export type RecordedEnvironment =
  /** A built-in environment (dev, prod), as the installed version of this tool defines it. */
  | { readonly builtin: string }
  /** An environment file, by its path relative to the tree's root, and the environment's name. */
  | { readonly file: string; readonly name: string }
  /** A spec given by a script, stored whole. */
  | { readonly spec: EnvironmentSpec };

/**
 * The Argo CD settings a tree was generated with (argocd/ output), so check and a plain generate
 * reproduce them: the options as given. A placeholder repoURL is not recorded: a later
 * `repository` in package.json (or --repo-url) then fills it in.
 */
export type RecordedArgoCD = ArgoCDOptions;

/**
 * Where the tree was when it was last generated: the repository Argo CD clones and the tree's
 * directory in it, as derived then. Never preferred over what a run derives itself: it stands in
 * only where nothing can be derived (a copy of the tree without its `.git`).
 */
export interface RecordedSource {
  /** Absent when nothing named the repository (the placeholder was written). */
  readonly repoURL?: string;
  /** POSIX, "" at the repository's root. */
  readonly path: string;
}

/** The content of {@link RECORD_FILE}. */
export interface TreeRecord {
  readonly environments: readonly RecordedEnvironment[];
  /** The Argo CD options given explicitly (on the command line or to generate); absent when none. */
  readonly argocd?: RecordedArgoCD;
  /** Absent only in a record written before it was kept (and in a new tree's empty record). */
  readonly source?: RecordedSource;
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
    ...(record.argocd !== undefined && Object.keys(record.argocd).length > 0 ? { argocd: record.argocd } : {}),
    ...(record.source !== undefined
      ? { source: record.source.repoURL !== undefined ? { repoURL: record.source.repoURL, path: record.source.path } : { path: record.source.path } }
      : {}),
    files: record.files,
    seeds: record.seeds,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const recordSchema = z.strictObject({
  generator: z.literal("argusai-kustomize"),
  note: z.string().optional(),
  environments: z.array(
    z.union([
      z.strictObject({ builtin: z.string() }),
      z.strictObject({ file: z.string(), name: z.string() }),
      z.strictObject({ spec: z.record(z.string(), z.unknown()) }),
    ]),
  ),
  argocd: z
    .strictObject({
      all: z.boolean().optional(),
      repoURL: z.string().optional(),
      targetRevision: z.string().optional(),
      project: z.string().optional(),
      destinationServer: z.string().optional(),
      destinationName: z.string().optional(),
      applicationNamespace: z.string().optional(),
    })
    .optional(),
  source: z.strictObject({ repoURL: z.string().optional(), path: z.string() }).optional(),
  files: z.array(z.string()),
  seeds: z.array(z.string()),
});

/**
 * The record of the tree in `dir`, or an empty one for a new tree (no record file).
 *
 * @throws ArgusKustomizeError INVALID_SPEC when the record exists but is damaged (a merge conflict,
 * a hand edit): trusting part of it could forget environments and delete their overlays
 */
export async function readRecord(dir: string): Promise<TreeRecord> {
  const damaged = (why: string, cause?: unknown) =>
    new ArgusKustomizeError(
      "INVALID_SPEC",
      `the record is damaged (${why}); restore it (git checkout -- ${RECORD_FILE}) or resolve the conflict, then run generate`,
      {
        cause,
        location: { file: path.join(dir, RECORD_FILE) },
      },
    );
  let text: string;
  try {
    text = await readFile(path.join(dir, RECORD_FILE), "utf8");
  } catch (error) {
    // No record (or no directory yet): a new tree.
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (["ENOENT", "ENOTDIR"].includes(code)) return { environments: [], files: [], seeds: [] };
    if (code === "EISDIR") throw damaged("a directory stands where the record belongs");
    throw new ArgusKustomizeError(
      "FILE_ACCESS",
      `the record cannot be read (${code || (error as Error).message}): ${osAdvice(error as NodeJS.ErrnoException)}`,
      {
        cause: error,
        location: { file: path.join(dir, RECORD_FILE) },
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw damaged(`not JSON: ${(error as Error).message}`, error);
  }
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw damaged(`${issue.path.join(".") || "top level"}: ${issue.message}`);
  }
  // Records written before `source` existed kept a repoURL derived from package.json among the
  // explicit options, where it won over a later origin: such a value is only a fallback now.
  let { argocd, source } = parsed.data as { argocd?: RecordedArgoCD; source?: RecordedSource };
  if (source === undefined && argocd?.repoURL !== undefined) {
    const { repoURL, ...explicit } = argocd;
    source = { repoURL, path: "" };
    argocd = explicit;
  }
  return {
    environments: parsed.data.environments as RecordedEnvironment[],
    ...(argocd !== undefined && Object.keys(argocd).length > 0 ? { argocd } : {}),
    ...(source !== undefined ? { source } : {}),
    files: parsed.data.files.filter(isSafeRelative),
    seeds: parsed.data.seeds.filter(isSafeRelative),
  };
}
