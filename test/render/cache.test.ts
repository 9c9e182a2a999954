/**
 * The render cache: a hit starts no renderer and gives back exactly what kustomize printed; any
 * changed byte kustomize reads, or another renderer, misses; a damaged entry is a miss; runs at
 * once share it safely; `cache: false` and `--no-cache` turn it off. Processes are counted with
 * a wrapper that execs the real kubectl, so every render here is real.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, validate } from "../../src/pipeline.js";
import { renderOverlays, type OverlayJob } from "../../src/render/batch.js";
import { defaultCacheDir, openRenderCache, renderKeyer } from "../../src/render/cache.js";
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

/** Every render entry of the cache (not its sweep marker, not the validations beside it). */
async function entries(cacheDir: string): Promise<string[]> {
  return (await readdir(cacheDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && path.relative(cacheDir, entry.parentPath).split(path.sep)[0] !== "validation")
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
    const { stat } = await import("node:fs/promises");
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
    expect(validated.map((result) => [result.dir, result.objects, result.violations])).toEqual(first.overlays.map((overlay) => [overlay.dir, overlay.objects, []]));
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
    await writeFile(broken, "#!/bin/sh\n[ \"$1\" = version ] && { echo broken-1.0; exit 0; }\necho broken >&2\nexit 1\n", { mode: 0o755 });
    await writeFile(target, broken);
    await expect(validate([], { dir, renderer: shimmed, cache })).rejects.toThrow(/KUSTOMIZE_BUILD_FAILED|broken/);
  });
});
