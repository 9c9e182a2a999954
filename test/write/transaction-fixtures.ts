/**
 * What the transaction tests share: the tree they start from, the plans they write, and the
 * writer in a child process (to kill it at a chosen step, or race two of them).
 */
import { execFile, spawn } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { generate } from "../../src/index.js";
import { planTree } from "../../src/commands/plan.js";
import { openTree } from "../../src/commands/tree.js";
import type { TreeOptions } from "../../src/tree/resolve-environments.js";
import { writeTree, type TreeWrite } from "../../src/write/transaction.js";
import { copyOfTree, renderer, snapshotTree, tempDir } from "../helpers.js";

const WRITE_CHILD = path.resolve("test/write/fixtures/write-tree.mjs");

/** The environments of the "new" tree: prod pinned to 2.0.0, dev dropped, qa added. */
export const NEW_ENVIRONMENTS: readonly EnvironmentSpec[] = [
  prodEnvironment({ image: { tag: "2.0.0" } }),
  { name: "qa", namespace: "argusai-qa", secret: { mode: "existing" }, storage: { size: "5Gi" } },
];
/** Another tree for the races: dev kept, prod pinned to 3.0.0. */
export const OTHER_ENVIRONMENTS: readonly EnvironmentSpec[] = [devEnvironment(), prodEnvironment({ image: { tag: "3.0.0" } })];

/** A copy of a tree generated once per test file (dev and prod, real kubectl, the library's generate). */
export function freshTree(): Promise<string> {
  return copyOfTree("transaction", async (dir) => {
    await generate({ dir, renderer });
  });
}

/** What generate would write into `dir` for `options`, as writeTree takes it (the plan generate makes under the lock). */
export async function planFor(options: TreeOptions & { readonly dir: string }): Promise<TreeWrite> {
  // Exactly the plan generate makes under its lock.
  const tree = await openTree(options, true);
  return planTree(tree, tree.options);
}

/** The plan as a JSON file for a child process, each seed's text drawn once. */
export async function planFile(plan: TreeWrite): Promise<string> {
  const file = path.join(await tempDir(), "plan.json");
  await writeFile(file, JSON.stringify({ contents: [...plan.contents], seeds: plan.seeds.map((seed) => ({ path: seed.path, text: seed.create() })) }));
  return file;
}

/** The tree `plan` gives when written over a copy of the template, and its number of write steps. */
export async function outcomeOf(plan: TreeWrite): Promise<{ snapshot: Map<string, string>; steps: number }> {
  const dir = await freshTree();
  let steps = 0;
  await writeTree(dir, async () => plan, { onStep: (step) => (steps = step) });
  return { snapshot: await snapshotTree(dir), steps };
}

/**
 * The built writer, bundled into one file for the child processes: loading tsc's 40-odd modules
 * took each child 0.17 s, the bundle 0.11 s. Call it in a beforeAll.
 */
export async function bundleWriter(): Promise<string> {
  const bundle = path.join(await tempDir(), "transaction.mjs");
  await esbuild({
    entryPoints: [path.resolve("dist/write/transaction.js")],
    outfile: bundle,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  return pathToFileURL(bundle).href;
}

export interface ChildRun {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Writes the plan in `planPath` into `dir` in a child process that sends itself `signal` at write step `step`. */
export function writeInChild(writer: string, dir: string, planPath: string, kill: { step: number; signal: NodeJS.Signals }): Promise<ChildRun> {
  const args = [WRITE_CHILD, writer, planPath, dir, String(kill.step), kill.signal];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, (_error, _stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stderr }));
  });
}

/**
 * A writer process of its own that writes the plan in `planPath` into each directory it is given,
 * one at a time: the racing writers live for many rounds, so a round costs a write, not a Node
 * start (50 of those were most of this file's time).
 */
export function racingWriter(writer: string, planPath: string): { write: (dir: string) => Promise<string>; close: () => Promise<void> } {
  const child = spawn(process.execPath, [WRITE_CHILD, writer, planPath, "--rounds"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<(answer: string) => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.(line));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  void exited.then(() => {
    for (const answer of waiting.splice(0)) answer(`failed: the writer process ended (${child.exitCode ?? child.signalCode}): ${stderr}`);
  });
  return {
    write: (dir) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${dir}\n`);
      }),
    close: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** Generate's own files besides the record: the lock, its candidates, the journal, staging directories. */
export async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((entry) => entry.startsWith(".argusai-kustomize") && entry !== ".argusai-kustomize.json");
}

export function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([file, text]) => b.get(file) === text);
}

/** Runs `task` for each item, `width` at a time. */
export async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += width) await Promise.all(items.slice(start, start + width).map(task));
}
