/**
 * No work for what did not change: a generate whose plan equals the tree on disk stages, writes
 * and renders nothing, yet a changed renderer, an edited seed or a failing render is still seen;
 * check answers from remembered plan digests only when nothing it plans from changed. And every
 * cache changes nothing of the output: byte-identical trees, results and drift with and without.
 * Every render is the real kubectl (counted through a wrapper that execs it).
 */
import { execFileSync } from "node:child_process";
import { watch } from "node:fs";
import { lstat, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openEntryStore } from "../../src/cache-store.js";
import { ArgusKustomizeError } from "../../src/errors.js";
import { check, generate, validate } from "../../src/index.js";
import { planTree as planOpenTree } from "../../src/commands/plan.js";
import { openTree } from "../../src/commands/tree.js";
import { checkWithMemo, PLAN_MEMO_BOUNDS } from "../../src/commands/plan-memo.js";
import { JOURNAL_FILE, STAGING_PREFIX } from "../../src/tree/layout.js";
import { countingRenderer } from "../render/helpers.js";
import { renderer, snapshotTree, tempDir } from "../helpers.js";
// @ts-expect-error: a plain script of the bench, without types
import { writeEnvironmentFiles } from "../../scripts/bench-envs.mjs";

/** The plan of the tree in `dir` for `options`, as check and generate make it. */
async function planTree(dir: string, options: { envFiles?: readonly string[]; cache?: boolean | string } = {}) {
  const tree = await openTree({ dir, ...(options.envFiles !== undefined ? { envFiles: options.envFiles } : {}) });
  return planOpenTree(tree, { ...tree.options, ...(options.cache !== undefined ? { cache: options.cache } : {}) } as Parameters<typeof planOpenTree>[1]);
}

/** Inode and modification time of every file and directory under `dir` (the root included). */
async function stamps(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (relative: string) => {
    const info = await lstat(path.join(dir, relative));
    found.set(relative || ".", `${info.ino} ${info.mtimeMs} ${info.ctimeMs}`);
    if (info.isDirectory()) for (const name of await readdir(path.join(dir, relative))) await visit(path.join(relative, name));
  };
  await visit("");
  return found;
}

/** Runs `action` while watching the names created and removed in `dir` itself. */
async function watchingRoot<T extends object>(dir: string, action: () => Promise<T>): Promise<T & { seen: string[] }> {
  const seen: string[] = [];
  const watcher = watch(dir, (_event, name) => {
    if (name !== null) seen.push(String(name));
  });
  try {
    const result = await action();
    // inotify delivers asynchronously: let pending events arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return Object.assign(result as object, { seen }) as T & { seen: string[] };
  } finally {
    watcher.close();
  }
}

/** A renderer that answers `version` but fails every render, as a broken kubectl would. */
async function brokenRenderer() {
  const script = path.join(await tempDir(), "kubectl-broken");
  await writeFile(script, '#!/bin/sh\n[ "$1" = version ] && { echo broken-1.0; exit 0; }\necho "broken kubectl" >&2\nexit 1\n', { mode: 0o755 });
  return { ...renderer, binary: script };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as ArgusKustomizeError,
  );

describe("generate on a tree that equals its plan", () => {
  it("stages, writes, moves and renders nothing: every file and directory keeps its inode and times", async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    const counting = await countingRenderer();
    const first = await generate({ dir, renderer: counting.renderer, cache });
    const runs = (await counting.runs()).length;
    const before = await stamps(dir);
    const second = await watchingRoot(dir, () => generate({ dir, renderer: counting.renderer, cache }));
    expect(second.written).toEqual([]);
    expect(second.deleted).toEqual([]);
    expect(second.seeded).toEqual([]);
    expect([...second.unchanged].sort()).toEqual([...first.written].sort());
    expect(second.overlays).toEqual(first.overlays);
    expect(second.notices).toEqual(first.notices);
    expect((await counting.runs()).length).toBe(runs);
    // No staging directory came and went; no file or directory below the root was replaced or
    // touched (the root itself holds the lock file while generate runs).
    expect(second.seen.filter((name) => name.startsWith(STAGING_PREFIX))).toEqual([]);
    const after = await stamps(dir);
    after.delete(".");
    before.delete(".");
    expect(after).toEqual(before);
    // The watch sees staging where there is some: a generate that changes a file.
    const changed = await watchingRoot(dir, () => generate({ dir, renderer: counting.renderer, cache, removeEnvironments: ["dev"] }));
    expect(changed.seen.some((name) => name.startsWith(STAGING_PREFIX))).toBe(true);
  });

  it("a changed renderer is not missed: another kubectl renders again, a broken one fails as before, nothing is written", async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    await generate({ dir, renderer, cache });
    const before = await snapshotTree(dir);
    const other = await countingRenderer("kubectl-other");
    const again = await generate({ dir, renderer: other.renderer, cache });
    expect(again.written).toEqual([]);
    expect((await other.runs()).length).toBeGreaterThan(0);
    const error = await failure(generate({ dir, renderer: await brokenRenderer(), cache }));
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect(error?.code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect(error?.message).toContain("broken kubectl");
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("an edited seed is not missed: dev renders again from the new secrets.env, and a seed kustomize rejects fails generate", async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    const counting = await countingRenderer();
    await generate({ dir, renderer: counting.renderer, cache });
    const seed = path.join(dir, "overlays/dev/secrets.env");
    await writeFile(seed, "ENCRYPTION_KEY=another\nJWT_SECRET_KEY=another\n");
    const before = (await counting.runs()).length;
    const again = await generate({ dir, renderer: counting.renderer, cache });
    expect(again.written).toEqual([]);
    expect((await counting.runs()).slice(before)).toEqual([expect.stringMatching(/overlays\/dev$/)]);
    expect(await readFile(seed, "utf8")).toBe("ENCRYPTION_KEY=another\nJWT_SECRET_KEY=another\n");
    // kustomize refuses a key given twice.
    await writeFile(seed, "ENCRYPTION_KEY=one\nENCRYPTION_KEY=two\n");
    const error = await failure(generate({ dir, renderer: counting.renderer, cache }));
    expect(error?.code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect(error?.location.environment).toBe("dev");
  });

  it("an owned file edited by hand, or missing, is written again (the unchanged path does not apply)", async () => {
    const dir = await tempDir();
    const cache = await tempDir();
    await generate({ dir, renderer, cache });
    const file = path.join(dir, "overlays/prod/kustomization.yaml");
    const original = await readFile(file, "utf8");
    await writeFile(file, `${original}# edited\n`);
    await rm(path.join(dir, "base/backend-service.yaml"));
    const again = await generate({ dir, renderer, cache });
    expect([...again.written].sort()).toEqual(["base/backend-service.yaml", "overlays/prod/kustomization.yaml"]);
    expect(await readFile(file, "utf8")).toBe(original);
    expect(await check({ dir })).toEqual([]);
  });
});

describe("the caches change nothing of the output", () => {
  it("trees, validations and drift are byte-identical with warm caches and without any", async () => {
    const envDir = await tempDir();
    const envFiles: string[] = writeEnvironmentFiles(envDir, 12);
    const cache = await tempDir();
    const cached = await tempDir();
    const uncached = await tempDir();
    // Twice with the cache: the second run answers from it (renders, validations, documents, environment files).
    await generate({ dir: cached, renderer, envFiles, cache });
    const warm = await generate({ dir: cached, renderer, envFiles, cache });
    expect(warm.written).toEqual([]);
    const cold = await generate({ dir: uncached, renderer, envFiles, cache: false });
    const owned = async (dir: string) => new Map([...(await snapshotTree(dir))].filter(([file]) => !file.endsWith("secrets.env")));
    expect(await owned(cached)).toEqual(await owned(uncached));
    expect(warm.overlays).toEqual(cold.overlays);
    // Planned bytes through the document memo (warm) and without it.
    const viaMemo = await planTree(cached, { envFiles, cache });
    const direct = await planTree(cached, { envFiles, cache: false });
    expect([...viaMemo.contents]).toEqual([...direct.contents]);
    // Validation with a warm cache and without: the same results (dev's secrets differ per tree, so both validate `cached`).
    await validate([], { dir: cached, renderer, cache });
    expect(await validate([], { dir: cached, renderer, cache })).toEqual(await validate([], { dir: cached, renderer, cache: false }));
    // Drift: the same whether the plan is remembered or made.
    const store = openEntryStore(await tempDir(), "test plans", PLAN_MEMO_BOUNDS);
    expect(await checkWithMemo({ dir: cached, envFiles }, () => planTree(cached, { envFiles }), store)).toEqual([]);
    const file = path.join(cached, "overlays/env-0003/kustomization.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("namespace:", "namespace: x\nold-namespace:"));
    const remembered = await checkWithMemo({ dir: cached, envFiles }, () => planTree(cached, { envFiles }), store);
    expect(remembered).toEqual(await checkWithMemo({ dir: cached, envFiles }, () => planTree(cached, { envFiles }), false));
    expect(remembered.map((drift) => [drift.path, drift.status])).toEqual([["overlays/env-0003/kustomization.yaml", "changed"]]);
  });
});

describe("check from remembered plan digests", () => {
  async function setup() {
    const dir = await tempDir();
    const envDir = await tempDir();
    const [envFile] = writeEnvironmentFiles(envDir, 1) as string[];
    await generate({ dir, renderer, envFiles: [envFile!], cache: false });
    const store = openEntryStore(await tempDir(), "test plans", PLAN_MEMO_BOUNDS);
    let plans = 0;
    const run = () => checkWithMemo({ dir }, () => ((plans += 1), planTree(dir)), store);
    return { dir, envFile: envFile!, store, run, plans: () => plans };
  }

  it("answers an unchanged tree without planning, once the plan is remembered", async () => {
    const { run, plans } = await setup();
    expect(await run()).toEqual([]);
    expect(plans()).toBe(1);
    expect(await run()).toEqual([]);
    expect(await run()).toEqual([]);
    expect(plans()).toBe(1);
  });

  it("plans in full, and reports the drift, when a file of the tree, an environment file or the journal changed", async () => {
    const { dir, envFile, run, plans } = await setup();
    await run();
    const file = path.join(dir, "base/frontend-service.yaml");
    const original = await readFile(file, "utf8");
    const edited = original.replace("port: 3000", "port: 3001");
    expect(edited).not.toBe(original);
    await writeFile(file, edited);
    expect((await run()).map((drift) => [drift.path, drift.status])).toEqual([["base/frontend-service.yaml", "changed"]]);
    expect(plans()).toBe(2);
    await writeFile(file, original);
    await rm(path.join(dir, "overlays/prod/kustomization.yaml"));
    expect((await run()).map((drift) => [drift.path, drift.status])).toEqual([["overlays/prod/kustomization.yaml", "missing"]]);
    await generate({ dir, renderer, cache: false });
    expect(await run()).toEqual([]);
    const before = plans();
    // The environment file: a new key of the plan, so a full plan, which sees the change.
    await writeFile(envFile, (await readFile(envFile, "utf8")).replace("LOG_LEVEL: INFO", "LOG_LEVEL: DEBUG"));
    expect((await run()).map((drift) => drift.path)).toEqual(["overlays/env-0000/kustomization.yaml"]);
    expect(plans()).toBe(before + 1);
    await generate({ dir, renderer, cache: false });
    await run();
    await writeFile(path.join(dir, JOURNAL_FILE), "{}\n");
    expect((await run()).map((drift) => drift.status)).toEqual(["interrupted"]);
  });

  it("in a Git repository: a new credentials header in its config (a CI checkout's token) keeps the memo, a new origin plans again", async () => {
    const dir = await tempDir();
    execFileSync("git", ["init", "-q", dir]);
    execFileSync("git", ["-C", dir, "remote", "add", "origin", "https://github.com/example/deploy.git"]);
    await generate({ dir, renderer, cache: false });
    const store = openEntryStore(await tempDir(), "test plans", PLAN_MEMO_BOUNDS);
    let plans = 0;
    const run = () => checkWithMemo({ dir }, () => ((plans += 1), planTree(dir)), store);
    expect(await run()).toEqual([]);
    // What actions/checkout writes on every run: another token each time.
    for (const token of ["dG9rZW4tMQ==", "dG9rZW4tMg=="]) {
      execFileSync("git", ["-C", dir, "config", "http.https://github.com/.extraheader", `AUTHORIZATION: basic ${token}`]);
      expect(await run()).toEqual([]);
    }
    expect(plans).toBe(1);
    execFileSync("git", ["-C", dir, "remote", "set-url", "origin", "https://github.com/example/moved.git"]);
    expect((await run()).map((drift) => drift.path)).toContain("argocd/prod.yaml");
    expect(plans).toBe(2);
  });

  it("a damaged remembered plan is a miss: planned in full", async () => {
    const { run, plans, store } = await setup();
    await run();
    const files = (await readdir(store.dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith(".json"));
    expect(files).toHaveLength(1);
    const entry = path.join(files[0]!.parentPath, files[0]!.name);
    const good = JSON.parse(await readFile(entry, "utf8"));
    for (const payload of [
      { files: "x", seeds: [] },
      { files: [["../outside", "0"]], seeds: [] },
      { files: [], seeds: [] },
    ]) {
      await writeFile(entry, JSON.stringify({ ...good, payload }));
      const before = plans();
      expect(await run()).toEqual([]);
      expect(plans()).toBe(before + 1);
    }
    await writeFile(entry, "{ truncated");
    const before = plans();
    expect(await run()).toEqual([]);
    expect(plans()).toBe(before + 1);
  });

  it("a script's own environments are never remembered (they are the caller's code)", async () => {
    const { dir, store } = await setup();
    let plans = 0;
    const run = () => checkWithMemo({ dir, environments: [] }, () => ((plans += 1), planTree(dir)), store);
    await run();
    await run();
    expect(plans).toBe(2);
  });
});
