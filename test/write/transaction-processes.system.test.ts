/**
 * All-or-nothing writes where a process is the subject: a generate killed at any step (SIGKILL)
 * or stopped (SIGTERM, SIGINT), and two generates at once in separate processes. The writer runs
 * in a child process (test/write/fixtures/write-tree.mjs) where it must be killed or raced; the
 * CLI where its exit code and signal handling are tested. The in-process cases are in
 * transaction.test.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { check, generate } from "../../src/index.js";
import { JOURNAL_FILE, LOCK_FILE, STAGING_PREFIX } from "../../src/tree/layout.js";
import { readRecord } from "../../src/tree/record.js";
import { recoverTree } from "../../src/write/transaction.js";
import { renderer, runCli, snapshotTree, tempDir } from "../helpers.js";
import {
  bundleWriter,
  freshTree,
  inBatches,
  leftovers,
  NEW_ENVIRONMENTS,
  OTHER_ENVIRONMENTS,
  outcomeOf,
  planFile,
  planFor,
  racingWriter,
  sameTree,
  writeInChild,
} from "./transaction-fixtures.js";

/** The built writer, as a URL the child processes import. */
let writer: string;
beforeAll(async () => {
  writer = await bundleWriter();
});

describe("a generate killed at any step", () => {
  it("leaves the tree wholly old or wholly new, never mixed", async () => {
    const oldSnapshot = await snapshotTree(await freshTree());
    const plan = await planFor({ dir: await freshTree(), environments: NEW_ENVIRONMENTS });
    const planPath = await planFile(plan);
    const { snapshot: newSnapshot, steps } = await outcomeOf(plan);
    expect(newSnapshot).not.toEqual(oldSnapshot);
    // Steps: each staged file, the journal, each move, each deletion.
    expect(steps).toBeGreaterThan(15);

    const outcomes: string[] = [];
    const everyStep = Array.from({ length: steps }, (_, index) => index + 1);
    await inBatches(everyStep, 4, async (step) => {
      const dir = await freshTree();
      const run = await writeInChild(writer, dir, planPath, { step, signal: "SIGKILL" });
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
    const plan = await planFor({ dir: await freshTree(), environments: NEW_ENVIRONMENTS });
    const { snapshot: newSnapshot } = await outcomeOf(plan);
    const dir = await freshTree();
    // Step contents.size + 1 is the journal's commit: the signal waits until the tree is whole,
    // so nothing is left for a roll-forward (a SIGKILL there is, above).
    const run = await writeInChild(writer, dir, await planFile(plan), { step: plan.contents.size + 1, signal: "SIGTERM" });
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
    const plans = [
      await planFor({ dir: await freshTree(), environments: NEW_ENVIRONMENTS }),
      await planFor({ dir: await freshTree(), environments: OTHER_ENVIRONMENTS }),
    ];
    const paths = await Promise.all(plans.map(planFile));
    const results = await Promise.all(plans.map(async (plan) => (await outcomeOf(plan)).snapshot));
    // Three lanes of two writer processes, each lane racing its two on a fresh tree per round: both
    // get the directory at once, so each round starts the two writes within a millisecond or so.
    const lanes = Array.from({ length: 3 }, () => paths.map((planPath) => racingWriter(writer, planPath)));
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
});

describe("a command killed mid-swap", () => {
  it("is finished by re-running it", async () => {
    const dir = await freshTree();
    const plan = await planFor({ dir, removeEnvironments: ["dev"] });
    // Each staged file, the journal, the record moved, one deletion: then killed.
    const run = await writeInChild(writer, dir, await planFile(plan), { step: plan.contents.size + 3, signal: "SIGKILL" });
    expect(run.signal, run.stderr).toBe("SIGKILL");
    expect(await readdir(dir)).toContain(JOURNAL_FILE);
    await expect(generate({ dir, renderer, removeEnvironments: ["dev"] })).rejects.toThrow(/there is no environment "dev" to remove \(have: prod\)/);
    expect(await readdir(dir)).not.toContain(JOURNAL_FILE);
    expect(await check({ dir })).toEqual([]);
  });
});
