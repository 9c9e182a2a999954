/**
 * All-or-nothing writes: a generate killed at any step (SIGKILL) or stopped (SIGTERM, SIGINT), two
 * generates at once, and obstacles found before anything moves. The writer runs in-process where
 * it is the subject; in a child process where it must be killed; through the CLI for exit codes.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { chmod, chown, cp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { check, generate } from "../../src/index.js";
import { planTree } from "../../src/commands/plan.js";
import { openTree } from "../../src/commands/tree.js";
import { JOURNAL_FILE, LOCK_FILE, STAGING_PREFIX } from "../../src/tree/layout.js";
import { readRecord } from "../../src/tree/record.js";
import type { TreeOptions } from "../../src/tree/resolve-environments.js";
import { recoverTree, writeTree, type TreeWrite } from "../../src/write/transaction.js";
import { renderer, runCli, snapshotTree, tempDir } from "../helpers.js";

/**
 * The built writer, bundled into one file for the child processes (about 80 of them): loading
 * tsc's 40-odd modules took each child 0.17 s, the bundle 0.11 s.
 */
let WRITER: string;
const WRITE_CHILD = path.resolve("test/write/fixtures/write-tree.mjs");

/** The environments of the "new" tree: prod pinned to 2.0.0, dev dropped, qa added. */
const NEW_ENVIRONMENTS: readonly EnvironmentSpec[] = [
  prodEnvironment({ image: { tag: "2.0.0" } }),
  { name: "qa", namespace: "argusai-qa", secret: { mode: "existing" }, storage: { size: "5Gi" } },
];
/** Another tree for the races: dev kept, prod pinned to 3.0.0. */
const OTHER_ENVIRONMENTS: readonly EnvironmentSpec[] = [devEnvironment(), prodEnvironment({ image: { tag: "3.0.0" } })];

/** A tree generated once (dev and prod, real kubectl); tests start from copies of it. */
let template: string;
beforeAll(async () => {
  const bundle = path.join(await tempDir(), "transaction.mjs");
  await esbuild({
    entryPoints: [path.resolve("dist/write/transaction.js")],
    outfile: bundle,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  WRITER = pathToFileURL(bundle).href;
  template = await tempDir();
  await generate({ dir: template, renderer });
});

async function freshTree(): Promise<string> {
  const dir = await tempDir();
  await cp(template, dir, { recursive: true });
  return dir;
}

/** What generate would write into `dir` for `options`, as writeTree takes it (the plan generate makes under the lock). */
async function planFor(options: TreeOptions & { readonly dir: string }): Promise<TreeWrite> {
  // Exactly the plan generate makes under its lock.
  const tree = await openTree(options, true);
  return planTree(tree, tree.options);
}

/** The plan as a JSON file for a child process, each seed's text drawn once. */
async function planFile(plan: TreeWrite): Promise<string> {
  const file = path.join(await tempDir(), "plan.json");
  await writeFile(file, JSON.stringify({ contents: [...plan.contents], seeds: plan.seeds.map((seed) => ({ path: seed.path, text: seed.create() })) }));
  return file;
}

/** The tree `plan` gives when written over a copy of the template, and its number of write steps. */
async function outcomeOf(plan: TreeWrite): Promise<{ snapshot: Map<string, string>; steps: number }> {
  const dir = await freshTree();
  let steps = 0;
  await writeTree(dir, async () => plan, { onStep: (step) => (steps = step) });
  return { snapshot: await snapshotTree(dir), steps };
}

interface ChildRun {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Writes the plan in `planPath` into `dir` in a child process that sends itself `signal` at write step `step`. */
function writeInChild(dir: string, planPath: string, kill: { step: number; signal: NodeJS.Signals }): Promise<ChildRun> {
  const args = [WRITE_CHILD, WRITER, planPath, dir, String(kill.step), kill.signal];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, (_error, _stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stderr }));
  });
}

/**
 * A writer process of its own that writes the plan in `planPath` into each directory it is given,
 * one at a time: the racing writers live for many rounds, so a round costs a write, not a Node
 * start (50 of those were most of this file's time).
 */
function racingWriter(planPath: string): { write: (dir: string) => Promise<string>; close: () => Promise<void> } {
  const child = spawn(process.execPath, [WRITE_CHILD, WRITER, planPath, "--rounds"], { stdio: ["pipe", "pipe", "pipe"] });
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
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((entry) => entry.startsWith(".argusai-kustomize") && entry !== ".argusai-kustomize.json");
}

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([file, text]) => b.get(file) === text);
}

/** Runs `task` for each item, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += width) await Promise.all(items.slice(start, start + width).map(task));
}

describe("a generate killed at any step", () => {
  it("leaves the tree wholly old or wholly new, never mixed", async () => {
    const oldSnapshot = await snapshotTree(template);
    const plan = await planFor({ dir: template, environments: NEW_ENVIRONMENTS });
    const planPath = await planFile(plan);
    const { snapshot: newSnapshot, steps } = await outcomeOf(plan);
    expect(newSnapshot).not.toEqual(oldSnapshot);
    // Steps: each staged file, the journal, each move, each deletion.
    expect(steps).toBeGreaterThan(15);

    const outcomes: string[] = [];
    const everyStep = Array.from({ length: steps }, (_, index) => index + 1);
    await inBatches(everyStep, 4, async (step) => {
      const dir = await freshTree();
      const run = await writeInChild(dir, planPath, { step, signal: "SIGKILL" });
      expect(run.signal, run.stderr).toBe("SIGKILL");
      const interrupted = (await readdir(dir)).includes(JOURNAL_FILE);
      if (interrupted) {
        // check sees the interruption and fails, instead of calling a half tree up to date.
        expect((await check({ dir })).some((drift) => drift.status === "interrupted")).toBe(true);
      }
      expect(await recoverTree(dir)).toBe(interrupted);
      const after = await snapshotTree(dir);
      const outcome = sameTree(after, oldSnapshot) ? "old" : sameTree(after, newSnapshot) ? "new" : "mixed";
      outcomes.push(`${step}:${outcome}`);
      expect(outcome, `killed at step ${step}`).not.toBe("mixed");
      expect(await leftovers(dir)).toEqual([]);
    });
    // The kill points covered both sides of the commit.
    expect(outcomes.some((outcome) => outcome.endsWith(":old"))).toBe(true);
    expect(outcomes.some((outcome) => outcome.endsWith(":new"))).toBe(true);
  }, 120_000);
});

describe("a generate stopped with SIGTERM or SIGINT", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)("while rendering (%s) releases the lock, removes its staging directory and exits %i", async (signal, exitCode) => {
    const dir = await freshTree();
    const before = await snapshotTree(dir);
    const work = await tempDir();
    const envFile = path.join(work, "qa.yaml");
    await writeFile(envFile, "name: qa\nnamespace: argusai-qa\nsecret: { mode: existing }\n");
    // A kubectl that only says it was started and then hangs: the signal comes while generate
    // holds the lock and verifies its staging copy. The next generate renders with the real one.
    const marker = path.join(work, "started");
    const slowKubectl = path.join(work, "kubectl");
    await writeFile(slowKubectl, `#!/bin/sh\necho $$ >> "${marker}"\nexec sleep 30\n`, { mode: 0o755 });
    // Its own TMPDIR: the batched render's scratch directory (--no-cache: rendered at once, in
    // groups) must be gone after the signal too.
    const scratchRoot = await tempDir();
    const child = spawn(
      process.execPath,
      ["--", path.resolve("dist/bin/argusai-kustomize.js"), "generate", "--dir", dir, "--env-file", envFile, "--no-cache"],
      {
        env: { ...process.env, KUBECTL: slowKubectl, TMPDIR: scratchRoot },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      await waitFor(
        () =>
          readFile(marker, "utf8").then(
            () => true,
            () => false,
          ),
        child,
      );
      const held = await leftovers(dir);
      expect(held).toContain(LOCK_FILE);
      expect(held.some((entry) => entry.startsWith(STAGING_PREFIX))).toBe(true);
      child.kill(signal);
      expect(await exited, stderr).toBe(exitCode);
    } finally {
      child.kill("SIGKILL");
      for (const pid of (await readFile(marker, "utf8").catch(() => "")).split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // Already ended.
        }
      }
    }
    expect(await leftovers(dir)).toEqual([]);
    expect(await readdir(scratchRoot)).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(before);
    const next = await runCli(["generate", "--dir", dir, "--env-file", envFile]);
    expect(next.code, next.stderr).toBe(0);
    expect(await check({ dir })).toEqual([]);
  });

  it("after the commit finishes putting the tree in place first (renames only), releases the lock, exits 143", async () => {
    const plan = await planFor({ dir: template, environments: NEW_ENVIRONMENTS });
    const { snapshot: newSnapshot } = await outcomeOf(plan);
    const dir = await freshTree();
    // Step contents.size + 1 is the journal's commit: the signal waits until the tree is whole,
    // so nothing is left for a roll-forward (a SIGKILL there is, above).
    const run = await writeInChild(dir, await planFile(plan), { step: plan.contents.size + 1, signal: "SIGTERM" });
    expect(run.code, run.stderr).toBe(143);
    expect(await leftovers(dir)).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(newSnapshot);
    expect(await recoverTree(dir, 1000)).toBe(false);
  });
});

/** Polls `ready` every 20 ms; fails if `child` ends first or after 20 s. */
async function waitFor(ready: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 20_000; !(await ready()); ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gave up waiting (child exit code ${child.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("two generates at once", () => {
  // On the writer before the fix (cleanup read a live candidate while it was still empty and took
  // it), 3 of 4 runs of this test failed when each write was a process of its own, and 6 of 6 in
  // this form (long-lived writers, a random start gap each round: the fix undone again on
  // 2026-12-02); the CLI case (scripts/stress-concurrent.mjs) failed one run in nine. The rule
  // itself is tested deterministically below (an empty live candidate stays).
  it("in separate processes serialize on the lock, 25 rounds", async () => {
    const plans = [await planFor({ dir: template, environments: NEW_ENVIRONMENTS }), await planFor({ dir: template, environments: OTHER_ENVIRONMENTS })];
    const paths = await Promise.all(plans.map(planFile));
    const results = await Promise.all(plans.map(async (plan) => (await outcomeOf(plan)).snapshot));
    // Three lanes of two writer processes, each lane racing its two on a fresh tree per round: both
    // get the directory at once, so each round starts the two writes within a millisecond or so.
    const lanes = Array.from({ length: 3 }, () => paths.map(racingWriter));
    try {
      const rounds = Array.from({ length: 25 }, (_, index) => index + 1);
      await Promise.all(
        lanes.map(async (writers, lane) => {
          for (const round of rounds.filter((candidate) => candidate % lanes.length === lane)) {
            const dir = await freshTree();
            const answers = await Promise.all(writers.map((writer) => writer.write(dir)));
            expect(answers, `round ${round}`).toEqual([`ok ${dir}`, `ok ${dir}`]);
            const after = await snapshotTree(dir);
            expect(
              results.some((result) => sameTree(after, result)),
              `round ${round}: the tree is one of the two`,
            ).toBe(true);
            expect(await leftovers(dir), `round ${round}`).toEqual([]);
          }
        }),
      );
    } finally {
      await Promise.all(lanes.flat().map((writer) => writer.close()));
    }
  }, 120_000);

  it("in one process serialize too (each call holds the lock under its own token)", async () => {
    const plans = [await planFor({ dir: template, environments: NEW_ENVIRONMENTS }), await planFor({ dir: template, environments: OTHER_ENVIRONMENTS })];
    const results = await Promise.all(plans.map(async (plan) => (await outcomeOf(plan)).snapshot));
    const dir = await freshTree();
    await Promise.all([0, 1, 0, 1].map((index) => writeTree(dir, async () => plans[index]!)));
    const after = await snapshotTree(dir);
    expect(results.some((result) => sameTree(after, result))).toBe(true);
    expect(await leftovers(dir)).toEqual([]);
  });

  it("through the CLI each build on the other's result: two runs adding different environments keep both", async () => {
    const dir = await freshTree();
    const files = await tempDir();
    const envFile = async (name: string) => {
      const file = path.join(files, `${name}.yaml`);
      await writeFile(file, `name: ${name}\nnamespace: argusai-${name}\nsecret: { mode: existing }\n`);
      return file;
    };
    const cli = (file: string) => runCli(["generate", "--dir", dir, "--env-file", file], { separateProcess: true });
    const [qa, uat] = await Promise.all([cli(await envFile("qa")), cli(await envFile("uat"))]);
    expect(qa.code, qa.stderr).toBe(0);
    expect(uat.code, uat.stderr).toBe(0);
    const names = (await readRecord(dir)).environments.map((entry) => ("builtin" in entry ? entry.builtin : "name" in entry ? entry.name : "?"));
    expect(names.sort()).toEqual(["dev", "prod", "qa", "uat"]);
    expect(await check({ dir })).toEqual([]);
    expect(await leftovers(dir)).toEqual([]);
  });

  it.each([
    ["a dead process", `${2 ** 22 + 1} ${hostname()} 1\n`], // above Linux's pid_max: no process has it
    ["this very process (a pid reused in a new container)", `${process.pid} ${hostname()} 1\n`],
    ["this very process, with a token it does not hold", `${process.pid} ${hostname()} ? 0123456789ab\n`],
    ["a live pid now running another program", `1 ${hostname()} 999999999999\n`],
    ["nothing readable", "garbage\n"],
  ])("takes over a lock held by %s", async (_, lock) => {
    const dir = await freshTree();
    await writeFile(path.join(dir, LOCK_FILE), lock);
    const result = await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }), { lockTimeoutMs: 2000 });
    expect(result.written).toContain("overlays/prod/kustomization.yaml");
    expect(await leftovers(dir)).toEqual([]);
  });

  it("removes lock candidates of processes that are gone, never a live one's", async () => {
    const dir = await freshTree();
    const dead = `${LOCK_FILE}.${2 ** 22 + 1}.1.deadbeef`;
    const reused = `${LOCK_FILE}.1.999999999999.cafe`; // pid 1, but started at another time
    const holder = spawn("sleep", ["30"]);
    // A live process's candidate, still empty as while it is being written.
    const live = `${LOCK_FILE}.${holder.pid}.?.0badcafe`;
    for (const file of [dead, reused, live]) await writeFile(path.join(dir, file), "");
    try {
      await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }));
      expect(await leftovers(dir)).toEqual([live]);
    } finally {
      holder.kill();
    }
  });

  it("waits for a lock held on another host, which it cannot check", async () => {
    const dir = await freshTree();
    await writeFile(path.join(dir, LOCK_FILE), `${2 ** 22 + 1} some-other-host 1\n`);
    await expect(writeTree(dir, async () => planFor({ dir }), { lockTimeoutMs: 300 })).rejects.toThrow(/another generate \(\d+ some-other-host 1\)/);
  });

  it("gives up with WRITE_FAILED when a live generate holds the lock too long", async () => {
    const dir = await freshTree();
    const holder = spawn("sleep", ["30"]);
    await writeFile(path.join(dir, LOCK_FILE), `${holder.pid}\n`);
    const before = await snapshotTree(dir);
    const error = await writeTree(dir, async () => planFor({ dir, environments: OTHER_ENVIRONMENTS }), { lockTimeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    holder.kill();
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(
      /another generate \(\d+\) is writing .*If no generate is running .*, delete .*\.argusai-kustomize\.lock/,
    );
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe("obstacles are found before anything moves", () => {
  it("a file where generate needs a directory fails with WRITE_FAILED and changes nothing", async () => {
    const dir = await freshTree();
    // Edits that the failed run would otherwise have overwritten first.
    await writeFile(path.join(dir, "overlays/dev/kustomization.yaml"), "# edited\n");
    await rm(path.join(dir, "overlays/dev/patches"), { recursive: true });
    await writeFile(path.join(dir, "overlays/dev/patches"), "not a directory\n");
    const before = await snapshotTree(dir);
    const error = await generate({ dir, renderer }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(/overlays\/dev\/patches is a file, but generate needs a directory there/);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("a read-only overlay directory fails before the commit, as another user, and changes nothing", async () => {
    const parent = await tempDir();
    await chmod(parent, 0o755);
    const dir = path.join(parent, "tree");
    await cp(template, dir, { recursive: true });
    // Root writes through any mode bits: as root, hand the tree to nobody and run generate as nobody.
    if (process.getuid?.() === 0) {
      for (const file of ["", ...(await readdir(dir, { recursive: true }))]) await chown(path.join(dir, file), 65534, 65534);
    }
    await chmod(path.join(dir, "overlays/prod"), 0o555);
    const before = await snapshotTree(dir);
    const files = await tempDir();
    await chmod(files, 0o755);
    const prodFile = path.join(files, "prod.yaml");
    await writeFile(prodFile, JSON.stringify(prodEnvironment({ image: { tag: "2.0.0" } })));
    const devFile = path.join(files, "dev.yaml");
    await writeFile(devFile, JSON.stringify({ ...devEnvironment(), config: { LOG_LEVEL: "WARNING" } }));
    const result = await runCli(["generate", "--dir", dir, "--env-file", devFile, "--env-file", prodFile], { asNobody: true, env: { HOME: parent } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /WRITE_FAILED: .*overlays\/prod is not writable \(EACCES\), and generate must change overlays\/prod\/kustomization.yaml there; nothing was changed/,
    );
    expect(await snapshotTree(dir)).toEqual(before);
    expect(await leftovers(dir)).toEqual([]);
  });

  it("never writes or deletes through a symbolic link out of the tree", async () => {
    const dir = await freshTree();
    const outside = await tempDir();
    await writeFile(path.join(outside, "kustomization.yaml"), "# not ours\n");
    await rm(path.join(dir, "overlays", "prod"), { recursive: true });
    await symlink(outside, path.join(dir, "overlays", "prod"));
    const error = await generate({ dir, renderer, environments: [devEnvironment(), prodEnvironment()] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ArgusKustomizeError).code).toBe("WRITE_FAILED");
    expect((error as ArgusKustomizeError).message).toMatch(/overlays\/prod is a symbolic link; generate does not write through links/);
    expect(await readdir(outside)).toEqual(["kustomization.yaml"]);
  });

  it("a failed first generate removes the directory it created, but only while empty", async () => {
    const parent = await tempDir();
    const failing = { ...renderer, binary: "/nonexistent/kubectl" };
    await expect(generate({ dir: path.join(parent, "new", "tree"), renderer: failing })).rejects.toThrow(ArgusKustomizeError);
    expect(await readdir(parent)).toEqual([]);
    // A shared parent that another tree was written into meanwhile stays, with that tree.
    await cp(template, path.join(parent, "deploy", "b"), { recursive: true });
    await expect(generate({ dir: path.join(parent, "deploy", "a"), renderer: failing })).rejects.toThrow(ArgusKustomizeError);
    expect(await readdir(path.join(parent, "deploy"))).toEqual(["b"]);
  });

  it("never deletes a seed, even one a damaged record lists among its files", async () => {
    const dir = await freshTree();
    const recordFile = path.join(dir, ".argusai-kustomize.json");
    const record = JSON.parse(await readFile(recordFile, "utf8")) as { files: string[] };
    await writeFile(recordFile, JSON.stringify({ ...record, files: [...record.files, "overlays/dev/secrets.env"] }));
    const secrets = await readFile(path.join(dir, "overlays/dev/secrets.env"), "utf8");
    // check does not show the secret in a diff, generate does not delete it.
    expect((await check({ dir })).map((drift) => drift.path)).toEqual([".argusai-kustomize.json"]);
    const result = await generate({ dir, renderer, removeEnvironments: ["dev"] });
    expect(result.deleted).not.toContain("overlays/dev/secrets.env");
    expect(await readFile(path.join(dir, "overlays/dev/secrets.env"), "utf8")).toBe(secrets);
  });

  it("re-running a command that was killed mid-swap finishes it", async () => {
    const dir = await freshTree();
    const plan = await planFor({ dir, removeEnvironments: ["dev"] });
    // Each staged file, the journal, the record moved, one deletion: then killed.
    const run = await writeInChild(dir, await planFile(plan), { step: plan.contents.size + 3, signal: "SIGKILL" });
    expect(run.signal, run.stderr).toBe("SIGKILL");
    expect(await readdir(dir)).toContain(JOURNAL_FILE);
    await expect(generate({ dir, renderer, removeEnvironments: ["dev"] })).rejects.toThrow(/there is no environment "dev" to remove \(have: prod\)/);
    expect(await readdir(dir)).not.toContain(JOURNAL_FILE);
    expect(await check({ dir })).toEqual([]);
  });
});
