import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { runCli } from "./cli-runner.js";
import { ArgusKustomizeError, formatProblem, type Problem } from "../src/errors.js";
import { environmentSourceFromText } from "../src/model/environment-file.js";
import { loadEnvironments } from "../src/model/environment-spec.js";
import { findRenderer, findStandaloneKustomize, type Renderer } from "../src/render/kustomize.js";
import { POLICIES, type PolicyContext, type RenderedObject } from "../src/validate/policies.js";

/**
 * The real renderer tests use: KUBECTL, else kubectl on PATH (KUSTOMIZE / kustomize as fallback).
 * Found on first use, not on import: tests that never render run on a machine without kubectl, and
 * those that render fail there with KUBECTL_NOT_FOUND instead of every file failing to load.
 */
export const renderer: Renderer = lazily(findRenderer);

/** An object that is `find()`'s result, called once when a property is first read. */
function lazily<T extends object>(find: () => T): T {
  let found: T | undefined;
  const target = (): T => (found ??= find());
  return new Proxy({} as T, {
    get: (_empty, key) => Reflect.get(target(), key),
    has: (_empty, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_empty, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  });
}

/** The standalone kustomize binary (KUSTOMIZE, else on PATH), if this machine has one. */
export const STANDALONE_KUSTOMIZE: string | undefined = findStandaloneKustomize();

/** The temp directories of the test file running in this worker (test/file-cleanup.ts removes them). */
const tempDirs: string[] = [];

/** Trees made once per test file, by key; dropped when the file ends (its temp directories go with it). */
const madeTrees = new Map<string, Promise<string>>();

/**
 * A fresh temp directory, removed after the test file. (An `afterAll` registered inside a running
 * test never runs: the directories were left behind, 25,000 of them in /tmp after a day of runs.)
 */
export async function tempDir(prefix = "argusai-kustomize-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every temp directory made since the last call and forgets the trees made from them: the end of a test file. */
export async function removeTempDirs(): Promise<void> {
  madeTrees.clear();
  const dirs = tempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A fresh copy of the tree `make` writes into an empty directory, made once per test file and key:
 * for tests that start from a generated tree rather than test generate itself. A generate costs a
 * Node process and a kubectl run per overlay; a copy costs a few file writes. Files keep their
 * bytes and modes (dev's secrets.env stays 0600).
 */
export async function copyOfTree(name: string, make: (dir: string) => Promise<void>): Promise<string> {
  // Workers run many files with one module state (isolate: false): a key without its file let one
  // file copy another's tree of the same name (set-image.test.ts got set-image-interrupt's).
  const key = `${expect.getState().testPath ?? ""}\0${name}`;
  let made = madeTrees.get(key);
  if (made === undefined) {
    made = tempDir("argusai-kustomize-template-").then(async (dir) => {
      await make(dir);
      return dir;
    });
    madeTrees.set(key, made);
  }
  const copy = await tempDir();
  await cp(await made, copy, { recursive: true });
  return copy;
}

/** A copy of the tree a plain `argusai-kustomize generate` writes (built-in dev and prod), generated once per test file. */
export function generatedTree(): Promise<string> {
  return copyOfTree("generate", async (dir) => {
    const result = await runCli(["generate", "--dir", dir]);
    if (result.code !== 0) throw new Error(`generate failed (exit ${result.code}): ${result.stderr}`);
  });
}

/** Every file under `dir` with its bytes, by POSIX path relative to `dir`. */
export async function snapshotTree(dir: string, skip: readonly string[] = []): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (skip.includes(child)) continue;
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

export { CLI, type CliRun, runBin, runCli } from "./cli-runner.js";

/** What every generate and validate of a tree with the built-in prod says: its images still have the placeholder version. */
export const IMAGE_PLACEHOLDER_WARNINGS = ["backend", "frontend"]
  .map(
    (component) =>
      `warning: environment "prod", field images.${component}.tag: is the placeholder 0.0.0-set-me, which no registry has: set your release before applying\n`,
  )
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

/** The first lines of a valid environment file (4 lines), for tests that append the field under test. */
export const STAGING_HEAD = "name: staging\nnamespace: argusai-staging\nsecret:\n  mode: existing\n";

/** The same in flow style, one line shorter (3 lines): line numbers in expectations count from it. */
export const STAGING_HEAD_FLOW = "name: staging\nnamespace: argusai-staging\nsecret: { mode: existing }\n";

/** The problems loading an environment file's text (as `env.yaml`) reports; none for a valid one. */
export function problemsOf(text: string): readonly Problem[] {
  try {
    loadEnvironments([environmentSourceFromText(text, "env.yaml")]);
  } catch (error) {
    if (error instanceof ArgusKustomizeError) return error.problems;
    throw error;
  }
  return [];
}

/** The problems of an environment file's text as the CLI prints them, one line each; fails the test when there are none. */
export function problemLinesOf(text: string): readonly string[] {
  const problems = problemsOf(text);
  if (problems.length === 0) throw new Error("expected problems");
  return problems.map(formatProblem);
}

/** A component added through a config file (its source text): a worker with no port and exec probes. */
export const WORKER_COMPONENT_SOURCE = `defineComponent({
  name: "worker",
  deploymentName: "argusai-worker",
  imageRepository: "ghcr.io/example/argusai-worker",
  probes: { action: { exec: { command: ["python", "-c", "print()"] } }, livenessInitialDelaySeconds: 10, livenessPeriodSeconds: 30, readinessInitialDelaySeconds: 5 },
  singleWriter: false,
  user: { runAsUser: 1000 },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  readsConfig: true,
})`;

/** The policy context of a production overlay whose Secret comes from outside the tree. */
export const PRODUCTION_POLICY_CONTEXT: PolicyContext = {
  production: true,
  externalSecrets: ["argusai-secrets"],
  externalConfigMaps: [],
  externalClaims: [],
  singleWriters: ["argusai-backend"],
};

/**
 * Runs every policy on the objects; a policy that throws fails with its id. For fuzz loops: an
 * expect() per policy and run costs several times what the checks themselves do.
 */
export function runEveryPolicy(objects: readonly RenderedObject[], context: PolicyContext): void {
  for (const policy of POLICIES) {
    try {
      policy.check(objects, context);
    } catch (error) {
      throw new Error(`policy ${policy.id} threw: ${String(error)}`);
    }
  }
}
