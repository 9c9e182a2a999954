import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { ArgusKustomizeError } from "../src/errors.js";
import { findRenderer, findStandaloneKustomize, type Renderer } from "../src/render/kustomize.js";

/** The real renderer tests use: KUBECTL, else kubectl on PATH (KUSTOMIZE / kustomize as fallback). */
export const renderer: Renderer = findRenderer();

/** The standalone kustomize binary (KUSTOMIZE, else on PATH), if this machine has one. */
export const STANDALONE_KUSTOMIZE: string | undefined = findStandaloneKustomize();

/** A fresh temp directory, removed after the test file. */
export async function tempDir(prefix = "argusai-kustomize-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` with its bytes, by POSIX path relative to `dir`. */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else files.set(child, await readFile(path.join(dir, child), "utf8"));
    }
  };
  await walk("");
  return files;
}

/** A rendered object, loosely typed for assertions. */
export type KObject = Record<string, any>;

/** The one object of `kind` whose name is `name` (or starts with `name-` when `hashed`). */
export function findObject(objects: readonly KObject[], kind: string, name: string, hashed = false): KObject {
  const matches = objects.filter(
    (object) => object["kind"] === kind && (hashed ? String(object["metadata"]?.name).startsWith(`${name}-`) : object["metadata"]?.name === name),
  );
  if (matches.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${matches.length}`);
  return matches[0]!;
}

/** What a CLI run returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the shipped bin with `node -- BIN args` (as its shebang does). `asNobody` runs it as uid
 * 65534 when the tests run as root, so file modes count (root writes through them).
 */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; asNobody?: boolean; cwd?: string } = {}): Promise<CliRun> {
  const user = options.asNobody === true && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return new Promise((resolve) => {
    execFile(process.execPath, ["--", CLI, ...args], { ...user, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), env: { ...process.env, ...options.env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr });
    });
  });
}

/** Path to the bin as shipped: the bundled CLI (npm test builds before it runs vitest). */
export const CLI = path.resolve("dist/bin/argusai-kustomize.js");

/** What every generate and validate of a tree with the built-in prod says: its images still have the placeholder version. */
export const IMAGE_PLACEHOLDER_WARNINGS = ["backend", "frontend"]
  .map((component) => `warning: environment "prod", field images.${component}.tag: is the placeholder 0.0.0-set-me, which no registry has: set your release before applying\n`)
  .join("");

/** What a generate and validate say about an Application whose repoURL is the placeholder (nothing names the repository). */
export function repoUrlPlaceholderWarning(environment: string): string {
  return (
    `warning: environment "${environment}", field argocd (spec.source.repoURL): argocd/${environment}.yaml points at the placeholder https://git.example.com/set-me/argusai-deploy.git: ` +
    "nothing names the repository holding the tree; set it with argocd.repoURL in argusai-kustomize.config.*, or --repo-url, or add an `origin` remote to the Git repository holding the tree, then run generate\n"
  );
}

/**
 * What a generate and validate of a tree with the built-in prod say outside any Git repository
 * (a temp dir): its images still have the placeholder version, and its Application the placeholder repoURL.
 */
export const PLACEHOLDER_WARNINGS = IMAGE_PLACEHOLDER_WARNINGS + repoUrlPlaceholderWarning("prod");

/** The ArgusKustomizeError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ArgusKustomizeError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ArgusKustomizeError);
  return error as ArgusKustomizeError;
}
