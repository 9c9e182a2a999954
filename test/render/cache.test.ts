/**
 * The render cache: a hit starts no renderer and gives back exactly what kustomize printed; any
 * changed byte kustomize reads, or another renderer, misses; a damaged entry is a miss; runs at
 * once share it safely; `cache: false` and `--no-cache` turn it off. Processes are counted with
 * a wrapper that execs the real kubectl, so every render here is real.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, validate } from "../../src/index.js";
import { renderOverlays, type OverlayJob } from "../../src/render/batch.js";
import { openEntryStore, sweepStore } from "../../src/cache-store.js";
import { defaultCacheDir, isJsonExact, openRenderCache, renderKeyer } from "../../src/render/cache.js";
import { renderKustomization, type Rendered } from "../../src/render/kustomize.js";
import { renderer, runCli, tempDir } from "../helpers.js";
import { countingRenderer } from "./helpers.js";

const STAGING = "name: staging\nnamespace: argusai-staging\nsecret: { mode: existing }\nreplicas: { frontend: 2 }\n";

let dir: string;
let jobs: OverlayJob[];

beforeAll(async () => {
  dir = await tempDir();
  const envFile = path.join(dir, "staging.yaml");
  await writeFile(envFile, STAGING);
  const result = await generate({ dir, envFiles: [envFile], renderer, cache: false });
  jobs = result.overlays.map((overlay) => ({ environment: overlay.environment, dir: path.join(dir, overlay.dir) }));
});

async function renderAll(cacheDir: string | false, counting: Awaited<ReturnType<typeof countingRenderer>>, which = jobs): Promise<Map<string, Rendered>> {
  const cache = cacheDir === false ? false : openRenderCache(cacheDir);
  return new Map(await renderOverlays(which, { renderer: counting.renderer, cache }, (rendered, job) => [job.environment, rendered] as const));
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Every entry file of the store in `cacheDir` (its shards), not its sweep marker, not the stores beside it. */
async function entries(cacheDir: string): Promise<string[]> {
  return (await readdir(cacheDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && /^[0-9a-f]{2}$/.test(path.relative(cacheDir, entry.parentPath)))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe("render cache", () => {
  it("a hit starts no renderer and gives back the render byte for byte", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    const first = await renderAll(cacheDir, counting);
    const firstRuns = (await counting.runs()).length;
    expect(firstRuns).toBeGreaterThan(0);
    const second = await renderAll(cacheDir, counting);
    expect((await counting.runs()).length).toBe(firstRuns);
    for (const job of jobs) {
      const truth = await renderKustomization(job.dir, renderer);
      expect(second.get(job.environment)!.yaml, job.environment).toBe(truth.yaml);
      expect(second.get(job.environment)!.objects, job.environment).toEqual(truth.objects);
      expect(first.get(job.environment)!.yaml, job.environment).toBe(truth.yaml);
    }
    // Readable by the owner only: the dev render holds its Secret's values.
    const files = await entries(cacheDir);
    expect(files).toHaveLength(jobs.length);
    for (const file of files) expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it("misses for every overlay when a base file changes, and renders the change", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    await renderAll(cacheDir, counting);
    const before = (await counting.runs()).length;
    const service = path.join(dir, "base/backend-service.yaml");
    const original = await readFile(service, "utf8");
    try {
      await writeFile(service, original.replace("name: http", "name: web"));
      const after = await renderAll(cacheDir, counting);
      expect((await counting.runs()).length).toBeGreaterThan(before);
      for (const job of jobs) expect(after.get(job.environment)!.yaml, job.environment).toContain("name: web");
      // Even a change kustomize's output does not show (a comment) is a different input.
      const keyOf = renderKeyer(renderer);
      const key = await keyOf(jobs[0]!.dir);
      await writeFile(service, `${original}# a comment\n`);
      expect(await renderKeyer(renderer)(jobs[0]!.dir)).not.toBe(key);
    } finally {
      await writeFile(service, original);
    }
  });

  it("misses for the one overlay whose file changed", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    await renderAll(cacheDir, counting);
    const before = (await counting.runs()).length;
    const file = path.join(dir, "overlays/staging/kustomization.yaml");
    const original = await readFile(file, "utf8");
    try {
      await writeFile(file, original.replace("count: 2", "count: 3"));
      const after = await renderAll(cacheDir, counting);
      const runs = (await counting.runs()).slice(before);
      expect(runs).toEqual([`kustomize ${path.join(dir, "overlays/staging")}`]);
      expect(after.get("staging")!.yaml).toBe((await renderKustomization(path.dirname(file), renderer)).yaml);
    } finally {
      await writeFile(file, original);
    }
  });

  it("misses for another renderer binary", async () => {
    const cacheDir = await tempDir();
    const one = await countingRenderer("kubectl-one");
    await renderAll(cacheDir, one);
    const other = await countingRenderer("kubectl-other");
    await renderAll(cacheDir, other);
    expect((await other.runs()).length).toBeGreaterThan(0);
    expect(await entries(cacheDir)).toHaveLength(2 * jobs.length);
  });

  it("counts the renderer by its content: the same file installed again (a new inode and times, as in a new CI container) hits, a changed one of the same size misses", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    await renderAll(cacheDir, counting);
    const rendered = (await counting.runs()).length;
    const script = counting.renderer.binary;
    const text = await readFile(script, "utf8");
    const before = await stat(script);
    // Installed again: removed and written anew, so another inode and other times.
    await rm(script);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(script, text, { mode: 0o755 });
    const after = await stat(script);
    expect([after.ino, after.ctimeMs]).not.toEqual([before.ino, before.ctimeMs]);
    await renderAll(cacheDir, counting);
    expect((await counting.runs()).length).toBe(rendered);
    // The same size, other bytes ("$@" for "$*": the log gets a line per argument): another renderer.
    const changed = text.replace('"$*"', '"$@"');
    expect(changed).not.toBe(text);
    expect(changed.length).toBe(text.length);
    await writeFile(script, changed);
    await renderAll(cacheDir, counting);
    expect((await counting.runs()).length).toBeGreaterThan(rendered);
  });

  it("treats a damaged entry as a miss and replaces it", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    await renderAll(cacheDir, counting, jobs.slice(1, 2));
    const [entry] = await entries(cacheDir);
    await writeFile(entry!, '{"format":');
    const before = (await counting.runs()).length;
    const again = await renderAll(cacheDir, counting, jobs.slice(1, 2));
    expect((await counting.runs()).length).toBe(before + 1);
    expect(again.get(jobs[1]!.environment)!.yaml).toBe((await renderKustomization(jobs[1]!.dir, renderer)).yaml);
    expect(JSON.parse(await readFile(entry!, "utf8"))).toMatchObject({ payload: { yaml: again.get(jobs[1]!.environment)!.yaml } });
  });

  it("is shared safely by runs at once", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    const results = await Promise.all([1, 2, 3, 4].map(() => renderAll(cacheDir, counting)));
    for (const result of results) for (const job of jobs) expect(result.get(job.environment)!.yaml).toBe(results[0]!.get(job.environment)!.yaml);
    expect((await entries(cacheDir)).filter((file) => file.endsWith(".tmp"))).toEqual([]);
    const cache = openRenderCache(cacheDir);
    const keyOf = renderKeyer(counting.renderer);
    for (const job of jobs) expect((await cache.get((await keyOf(job.dir))!))?.yaml).toBe(results[0]!.get(job.environment)!.yaml);
  });

  it("is off with cache: false", async () => {
    const counting = await countingRenderer();
    await renderAll(false, counting);
    const before = (await counting.runs()).length;
    await renderAll(false, counting);
    expect((await counting.runs()).length).toBe(2 * before);
  });

  it("lives in XDG_CACHE_HOME when set, else in the nearest node_modules/.cache", () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "/")).toBe("/x/cache/argusai-kustomize");
    expect(defaultCacheDir({}, path.resolve("test/render"))).toBe(path.resolve("node_modules/.cache/argusai-kustomize"));
  });
});

describe("generate and validate use the cache", () => {
  it("a second generate and a validate of an unchanged tree start no renderer; cache: false renders again", async () => {
    const tree = await tempDir();
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    const first = await generate({ dir: tree, renderer: counting.renderer, cache: cacheDir });
    const runs = (await counting.runs()).length;
    expect(runs).toBeGreaterThan(0);
    const second = await generate({ dir: tree, renderer: counting.renderer, cache: cacheDir });
    expect(second.overlays).toEqual(first.overlays);
    const validated = await validate([], { dir: tree, renderer: counting.renderer, cache: cacheDir });
    expect(validated.map((result) => [result.dir, result.objects, result.violations])).toEqual(
      first.overlays.map((overlay) => [overlay.dir, overlay.objects, []]),
    );
    expect((await counting.runs()).length).toBe(runs);
    await generate({ dir: tree, renderer: counting.renderer, cache: false });
    await validate([], { dir: tree, renderer: counting.renderer, cache: false });
    expect((await counting.runs()).length).toBe(3 * runs);
  });

  it("the CLI's --no-cache renders again; without it a repeated generate and validate start none", async () => {
    const tree = await tempDir();
    const cacheHome = await tempDir();
    const counting = await countingRenderer();
    const env = { KUBECTL: counting.renderer.binary, XDG_CACHE_HOME: cacheHome };
    const runsAfter = async (args: string[]) => {
      const run = await runCli(args, { env });
      expect(run.code, run.stderr).toBe(0);
      return (await counting.runs()).length;
    };
    const first = await runsAfter(["generate", "--dir", tree]);
    expect(first).toBeGreaterThan(0);
    expect(await runsAfter(["generate", "--dir", tree])).toBe(first);
    expect(await runsAfter(["validate", "--dir", tree])).toBe(first);
    expect(await runsAfter(["generate", "--dir", tree, "--no-cache"])).toBe(2 * first);
    expect(await runsAfter(["validate", "--dir", tree, "--no-cache"])).toBe(3 * first);
    expect((await readdir(path.join(cacheHome, "argusai-kustomize"))).length).toBeGreaterThan(0);
  });
});

describe("a renderer that is a script (an asdf, mise or snap shim)", () => {
  it("is keyed by the version it reports, so a shim now running another kubectl misses", async () => {
    const dir = await tempDir();
    const shimDir = await tempDir();
    const shim = path.join(shimDir, "kubectl");
    const target = path.join(shimDir, "target");
    // The shim runs whatever `target` names, as version managers do; its own bytes never change.
    await writeFile(shim, `#!/bin/sh\nexec "$(cat '${target}')" "$@"\n`, { mode: 0o755 });
    await writeFile(target, renderer.binary);
    const shimmed = { ...renderer, binary: shim };
    const cache = await tempDir();
    await generate({ dir, renderer: shimmed, cache });
    expect((await validate([], { dir, renderer: shimmed, cache }))[0]!.violations).toEqual([]);
    // Now it runs a "kubectl" that cannot render: a cached render would hide that.
    const broken = path.join(shimDir, "broken");
    await writeFile(broken, '#!/bin/sh\n[ "$1" = version ] && { echo broken-1.0; exit 0; }\necho broken >&2\nexit 1\n', { mode: 0o755 });
    await writeFile(target, broken);
    await expect(validate([], { dir, renderer: shimmed, cache })).rejects.toThrow(/KUSTOMIZE_BUILD_FAILED|broken/);
  });
});

describe("the cache's entries: damaged is a miss, bounded, safe at once", () => {
  const KEY = "a".repeat(64);
  const OTHER = "b".repeat(64);

  it("a truncated, garbage, foreign-format or other key's entry is a miss, never an answer, and the next write replaces it", async () => {
    const dir = await tempDir();
    const store = openEntryStore(dir, "test format 1", { maxBytes: 1 << 20, maxAgeMs: 60_000 });
    await store.write(KEY, { answer: 42 });
    expect(store.read(KEY)).toEqual({ answer: 42 });
    const file = path.join(dir, "aa", `${KEY}.json`);
    const good = await readFile(file, "utf8");
    const damaged: Array<[string, string]> = [
      ["truncated", good.slice(0, good.length - 3)],
      ["empty", ""],
      ["garbage", "\u0000\u00ff not json at all"],
      ["another format", good.replace("test format 1", "test format 0")],
      ["another key inside", good.replace(KEY, OTHER)],
      ["no payload", JSON.stringify({ format: "test format 1", key: KEY })],
      ["not an object", "[1,2,3]"],
    ];
    for (const [what, text] of damaged) {
      await writeFile(file, text);
      expect(store.read(KEY), what).toBeUndefined();
    }
    // An entry copied under another key's name is refused too.
    await mkdir(path.join(dir, "bb"), { recursive: true });
    await writeFile(path.join(dir, "bb", `${OTHER}.json`), good);
    expect(store.read(OTHER)).toBeUndefined();
    await store.write(KEY, { answer: 43 });
    expect(store.read(KEY)).toEqual({ answer: 43 });
    // Not a key at all: never a path.
    expect(store.read("../../etc/passwd")).toBeUndefined();
  });

  it("a damaged render entry makes the overlay render again, with the real output", async () => {
    const cacheDir = await tempDir();
    const counting = await countingRenderer();
    const job = jobs[1]!;
    await renderAll(cacheDir, counting, [job]);
    const [entry] = await entries(cacheDir);
    const good = await readFile(entry!, "utf8");
    const truth = (await renderKustomization(job.dir, renderer)).yaml;
    for (const text of [good.slice(0, good.length / 2), "garbage", good.replace(path.basename(entry!, ".json"), "0".repeat(64))]) {
      await writeFile(entry!, text);
      const before = (await counting.runs()).length;
      const again = await renderAll(cacheDir, counting, [job]);
      expect((await counting.runs()).length).toBe(before + 1);
      expect(again.get(job.environment)!.yaml).toBe(truth);
    }
  });

  it("a sweep removes entries unused for longer than the age bound, then the least recently used beyond the size bound, and dead temp files", async () => {
    const dir = await tempDir();
    const bounds = { maxBytes: 3_100, maxAgeMs: 10 * 24 * 60 * 60 * 1000 };
    const store = openEntryStore(dir, "test format 1", bounds);
    const keys = ["1", "2", "3", "4", "5"].map((digit) => digit.repeat(64));
    for (const key of keys) await store.write(key, { filler: "x".repeat(900) });
    const fileOf = (key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);
    const now = Date.now();
    const daysAgo = (days: number) => new Date(now - days * 24 * 60 * 60 * 1000);
    // 1: used 20 days ago (too old); 2..5 used 4, 3, 2, 1 days ago; each entry is 1,023 bytes.
    for (const [index, days] of [20, 4, 3, 2, 1].entries()) await utimes(fileOf(keys[index]!), daysAgo(days), daysAgo(days));
    const temp = `${fileOf(keys[4]!)}.999.abcd.tmp`;
    await writeFile(temp, "half an entry");
    await utimes(temp, daysAgo(1), daysAgo(1));
    const fresh = `${fileOf(keys[4]!)}.998.abcd.tmp`;
    await writeFile(fresh, "being written right now");
    sweepStore(dir, bounds, true, now);
    const left = keys.filter((key) => store.read(key) !== undefined);
    // 5, 4, 3 fit in 3,100 bytes (most recent first); 2 does not; 1 is too old anyway.
    expect(left).toEqual([keys[2], keys[3], keys[4]]);
    expect(await exists(temp)).toBe(false);
    expect(await exists(fresh)).toBe(true);
  });

  it("a hit marks its entry used, so what every run hits is never the one evicted", async () => {
    const dir = await tempDir();
    const bounds = { maxBytes: 2_100, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };
    const store = openEntryStore(dir, "test format 1", bounds);
    const [hot, cold, newer] = ["c", "d", "e"].map((digit) => digit.repeat(64)) as [string, string, string];
    for (const key of [hot, cold, newer]) await store.write(key, { filler: "x".repeat(900) });
    const fileOf = (key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);
    const weekAgo = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000);
    for (const key of [hot, cold]) await utimes(fileOf(key), weekAgo, weekAgo);
    expect(store.read(hot)).toBeDefined();
    sweepStore(dir, bounds, true);
    expect(store.read(hot)).toBeDefined();
    expect(store.read(newer)).toBeDefined();
    expect(store.read(cold)).toBeUndefined();
  });

  it("sweeps at most once an hour unless forced, and only after a run that wrote", async () => {
    const dir = await tempDir();
    const bounds = { maxBytes: 0, maxAgeMs: 1 };
    const store = openEntryStore(dir, "test format 1", bounds);
    await store.sweep();
    expect(await exists(path.join(dir, ".last-sweep"))).toBe(false);
    await store.write(KEY, { a: 1 });
    await store.sweep();
    // maxBytes 0: the sweep removed everything, and left its marker.
    expect(store.read(KEY)).toBeUndefined();
    await store.write(KEY, { a: 1 });
    await store.sweep();
    expect(store.read(KEY)).toEqual({ a: 1 });
  });

  it("writers and readers at once: every read is a whole entry of one writer, never a mix, never an error", async () => {
    const dir = await tempDir();
    const writer = path.join(await tempDir(), "writer.mjs");
    const storeModule = pathToFileURL(path.resolve("dist/cache-store.js")).href;
    // Each writer process writes its own, large payload under the same key, over and over.
    await writeFile(
      writer,
      `import { openEntryStore } from ${JSON.stringify(storeModule)};\n` +
        `const store = openEntryStore(process.argv[2], "test format 1", { maxBytes: 1 << 30, maxAgeMs: 1 << 30 });\n` +
        `for (let i = 0; i < 150; i += 1) await store.write(${JSON.stringify(KEY)}, { writer: process.argv[3], filler: process.argv[3].repeat(200_000) });\n`,
    );
    const store = openEntryStore(dir, "test format 1", { maxBytes: 1 << 30, maxAgeMs: 1 << 30 });
    const writers = ["p", "q"].map(
      (name) => new Promise<number>((resolve) => execFile(process.execPath, [writer, dir, name], (error) => resolve(error === null ? 0 : 1))),
    );
    let done = false;
    void Promise.all(writers).then(() => (done = true));
    const seen = new Set<string>();
    while (!done) {
      const entry = store.read(KEY) as { writer: string; filler: string } | undefined;
      if (entry !== undefined) {
        expect(entry.filler).toBe(entry.writer.repeat(200_000));
        seen.add(entry.writer);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(writers)).toEqual([0, 0]);
    expect(seen.size).toBeGreaterThan(0);
    expect((await entries(dir)).filter((file) => file.endsWith(".tmp"))).toEqual([]);
  });
});

describe("what a render cache entry holds", () => {
  it("only objects JSON gives back exactly; anything else is rendered again, never approximated", () => {
    expect(isJsonExact({ a: [1, "x", true, null, { b: 2.5 }] })).toBe(true);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -0, undefined, new Date(0), new Map(), 10n, [undefined], JSON.parse('{"__proto__": 1}')]) {
      expect(isJsonExact({ value }), String(value)).toBe(false);
    }
  });
});
