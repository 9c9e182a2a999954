/**
 * Batched rendering gives each overlay exactly what `kubectl kustomize overlays/X` prints, byte
 * for byte and object for object, for the committed overlays, the example environment file and
 * generated environments (two sharing a namespace, some without their own Namespace), with fewer
 * renderer processes than overlays; a group that fails or warns falls back to per-overlay renders
 * so the error or warning names its environment.
 */
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { generate } from "../../src/index.js";
import { groupByNamespace, renderOverlays, type OverlayJob } from "../../src/render/batch.js";
import { renderKustomization, type Rendered } from "../../src/render/kustomize.js";
import { mapBounded } from "../../src/pool.js";
import { renderer, tempDir } from "../helpers.js";
import { countingRenderer } from "./helpers.js";

/** Environment files beyond the example: tenants, one pair sharing a namespace, previews without their own Namespace. */
const GENERATED = [
  "name: tenant-a\nnamespace: argusai-shared\nsecret: { mode: existing }\n",
  "name: tenant-b\nnamespace: argusai-shared\ncreateNamespace: false\nsecret: { mode: existing }\nreplicas: { frontend: 2 }\n",
  "name: tenant-c\nnamespace: argusai-tenant-c\nsecret: { mode: generated }\nconfig: { LOG_LEVEL: DEBUG }\n",
  "name: preview-1\nnamespace: argusai-preview-1\ncreateNamespace: false\nsecret: { mode: existing }\ningress: { host: preview-1.example.com }\n",
  "name: preview-2\nnamespace: argusai-preview-2\nsecret: { mode: existing }\ningress: { host: preview-2.example.com, tlsSecretName: preview-2-tls, className: nginx }\n",
  'name: region-eu\nnamespace: argusai-eu\nproduction: true\nimages: { backend: { tag: "2.0.1" }, frontend: { tag: "2.0.1" } }\nreplicas: { frontend: 3 }\nsecret: { mode: existing }\nstorage: { className: standard, size: 50Gi }\ndisruptionBudgets: { frontend: { minAvailable: 1 } }\n',
  "name: region-us\nnamespace: argusai-us\nsecret: { mode: existing }\nresources: { backend: { requests: { cpu: 500m } }, frontend: { limits: { memory: 768Mi } } }\n",
];

let dir: string;
let jobs: OverlayJob[];
/** The truth: one `kubectl kustomize` per overlay. */
const single = new Map<string, Rendered>();

beforeAll(async () => {
  dir = await tempDir();
  const envDir = path.join(dir, "envs");
  await mkdir(envDir);
  const envFiles = [path.resolve("examples/staging.yaml")];
  for (const [index, text] of GENERATED.entries()) {
    const file = path.join(envDir, `${index}.yaml`);
    await writeFile(file, text);
    envFiles.push(file);
  }
  // tenant-b shares tenant-a's namespace: one tree refuses that (each would own the other's
  // objects), so it comes from a second tree; the renderer still meets both in one batch.
  const [sharing] = envFiles.splice(2, 1);
  const result = await generate({ dir, envFiles, renderer, cache: false });
  const second = await tempDir();
  await generate({ dir: second, envFiles: [sharing!], renderer, cache: false });
  jobs = result.overlays.map((overlay) => ({ environment: overlay.environment, dir: path.join(dir, overlay.dir) }));
  jobs.splice(jobs.findIndex((job) => job.environment === "tenant-a") + 1, 0, { environment: "tenant-b", dir: path.join(second, "overlays/tenant-b") });
  await mapBounded(jobs, 2, async (job) => single.set(job.environment, await renderKustomization(job.dir, renderer)));
});

/** Renders `jobs` batched and returns each result by environment. */
async function batched(options: { groupSize?: number; renderer?: typeof renderer } = {}, which: readonly OverlayJob[] = jobs): Promise<Map<string, Rendered>> {
  const results = await renderOverlays(
    which,
    { renderer: options.renderer ?? renderer, cache: false, ...(options.groupSize !== undefined ? { groupSize: options.groupSize } : {}) },
    (rendered, job) => [job.environment, rendered] as const,
  );
  return new Map(results);
}

describe("batched rendering", () => {
  it("covers the committed overlays, the example file and the generated environments", () => {
    expect(jobs.map((job) => job.environment)).toEqual([
      "dev",
      "prod",
      "staging",
      "tenant-a",
      "tenant-b",
      "tenant-c",
      "preview-1",
      "preview-2",
      "region-eu",
      "region-us",
    ]);
  });

  it("the committed overlays in this repository are the ones rendered here", async () => {
    for (const file of ["overlays/dev/kustomization.yaml", "overlays/prod/kustomization.yaml", "base/backend-deployment.yaml"]) {
      expect(await readFile(path.join(dir, file), "utf8"), file).toBe(await readFile(path.resolve(file), "utf8"));
    }
  });

  // Runs: 10 overlays in groups; tenant-a and tenant-b share a namespace, so never one group.
  it.each([
    [2, 5],
    [3, 4],
    [25, 2],
  ])("gives every overlay its per-overlay output byte for byte and object for object (groups of %i: %i runs)", async (groupSize, expectedRuns) => {
    const counting = await countingRenderer();
    const results = await batched({ groupSize, renderer: counting.renderer });
    expect([...results.keys()].sort()).toEqual(jobs.map((job) => job.environment).sort());
    for (const job of jobs) {
      const expected = single.get(job.environment)!;
      const actual = results.get(job.environment)!;
      expect(actual.yaml, job.environment).toBe(expected.yaml);
      expect(actual.objects, job.environment).toEqual(expected.objects);
      expect(actual.warnings, job.environment).toEqual([]);
    }
    expect(await counting.runs()).toHaveLength(expectedRuns);
  });

  it("renders each overlay by itself with a group size of 1", async () => {
    const counting = await countingRenderer();
    const results = await batched({ groupSize: 1, renderer: counting.renderer });
    expect((await counting.runs()).length).toBe(jobs.length);
    for (const job of jobs) expect(results.get(job.environment)!.yaml).toBe(single.get(job.environment)!.yaml);
  });

  it("renders the first groups while later overlays are not ready yet (generate's staging), with the same results", async () => {
    let consumedOne!: () => void;
    const firstConsumed = new Promise<void>((resolve) => (consumedOne = resolve));
    const readyAsked: number[] = [];
    // Overlays after the first two are ready only once one overlay was rendered and consumed: a
    // renderer that waited for every overlay first would never finish.
    const results = await renderOverlays(
      jobs,
      {
        renderer,
        cache: false,
        groupSize: 2,
        ready: async (index) => {
          readyAsked.push(index);
          if (index >= 2) await firstConsumed;
        },
      },
      (rendered, job) => {
        consumedOne();
        return [job.environment, rendered] as const;
      },
    );
    expect(readyAsked.sort((a, b) => a - b)).toEqual(jobs.map((_job, index) => index));
    for (const [environment, rendered] of results) expect(rendered.yaml, environment).toBe(single.get(environment)!.yaml);
  }, 20_000);

  it("never puts two overlays of one namespace into a group, keeps the order, and gives each group out when it is full", () => {
    const namespaces = ["a", "b", "a", "c", undefined, "a", "b", "d"];
    const groups = groupByNamespace([0, 1, 2, 3, 4, 5, 6, 7], (index) => namespaces[index], 3);
    // [0, 1, 3] is full at 3; 4 sets no namespace; [2, 6, 7] is full at 7; [5] is still open at the end.
    expect(groups).toEqual([[0, 1, 3], [4], [2, 6, 7], [5]]);
    for (const group of groups) expect(new Set(group.map((index) => namespaces[index])).size).toBe(group.length);
  });
});

describe("batched rendering falls back to per-overlay renders", () => {
  /** A copy of the generated tree to break, so the other tests keep theirs. */
  async function copyOfTree(): Promise<{ root: string; jobs: OverlayJob[] }> {
    const root = await tempDir();
    await cp(path.join(dir, "base"), path.join(root, "base"), { recursive: true });
    await cp(path.join(dir, "overlays"), path.join(root, "overlays"), { recursive: true });
    return { root, jobs: jobs.map((job) => ({ environment: job.environment, dir: path.join(root, path.relative(dir, job.dir)) })) };
  }

  it("names the environment whose overlay fails, not the group", async () => {
    const copy = await copyOfTree();
    const file = path.join(copy.root, "overlays/tenant-c/kustomization.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("\nresources:\n", "\nresources:\n  - missing.yaml\n"));
    const error = await renderOverlays(copy.jobs, { renderer, cache: false, groupSize: 25, root: copy.root }, () => undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArgusKustomizeError);
    expect((error as ArgusKustomizeError).code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect((error as ArgusKustomizeError).location).toEqual({ environment: "tenant-c", file: "overlays/tenant-c" });
    expect((error as ArgusKustomizeError).message).toMatch(/missing.yaml/);
    expect((error as ArgusKustomizeError).message).not.toContain(copy.root);
  });

  it("gives a warning to the one overlay that printed it; the others of its group stay clean", async () => {
    const copy = await copyOfTree();
    const file = path.join(copy.root, "overlays/preview-1/kustomization.yaml");
    await writeFile(file, `${await readFile(file, "utf8")}commonLabels:\n  tier: preview\n`);
    const expected = await renderKustomization(path.join(copy.root, "overlays/preview-1"), renderer);
    expect(expected.warnings.join("\n")).toMatch(/commonLabels/);
    const results = await batched({ groupSize: 25 }, copy.jobs);
    expect(results.get("preview-1")).toEqual(expected);
    for (const job of copy.jobs.filter((candidate) => candidate.environment !== "preview-1")) {
      expect(results.get(job.environment)!.warnings, job.environment).toEqual([]);
      expect(results.get(job.environment)!.yaml, job.environment).toBe(single.get(job.environment)!.yaml);
    }
  });

  it("renders a group again overlay by overlay when an object cannot be attributed (a cluster-scoped kind)", async () => {
    const copy = await copyOfTree();
    const overlay = path.join(copy.root, "overlays/region-us");
    await writeFile(
      path.join(overlay, "clusterrole.yaml"),
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: argusai-reader\nrules: []\n",
    );
    const text = await readFile(path.join(overlay, "kustomization.yaml"), "utf8");
    await writeFile(path.join(overlay, "kustomization.yaml"), text.replace("resources:\n", "resources:\n  - clusterrole.yaml\n"));
    const expected = await renderKustomization(overlay, renderer);
    expect(expected.objects.some((object) => object["kind"] === "ClusterRole")).toBe(true);
    const counting = await countingRenderer();
    const results = await batched({ groupSize: 25, renderer: counting.renderer }, copy.jobs);
    expect(results.get("region-us")).toEqual(expected);
    for (const job of copy.jobs)
      expect(results.get(job.environment)!.yaml, job.environment).toBe(job.environment === "region-us" ? expected.yaml : single.get(job.environment)!.yaml);
    // One group that could not be split, then each of its overlays by itself.
    const runs = await counting.runs();
    expect(runs.length).toBe(2 + copy.jobs.length - 1);
  });

  it("renders an overlay that sets no namespace by itself", async () => {
    const copy = await copyOfTree();
    const file = path.join(copy.root, "overlays/preview-1/kustomization.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace(/^namespace: .*\n/m, ""));
    const expected = await renderKustomization(path.dirname(file), renderer);
    const counting = await countingRenderer();
    const results = await batched({ groupSize: 25, renderer: counting.renderer }, copy.jobs);
    expect(results.get("preview-1")).toEqual(expected);
    const runs = await counting.runs();
    expect(runs.filter((run) => run.endsWith("overlays/preview-1"))).toHaveLength(1);
    expect(runs).toHaveLength(3);
  });
});

describe("mapBounded", () => {
  it("never runs more than the limit at once and keeps the order of results", async () => {
    let running = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (delay, index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, delay * 3));
      running -= 1;
      return index * 10;
    });
    expect(most).toBe(3);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it("starts nothing after a failure, waits for the running tasks, and throws the earliest item's failure", async () => {
    const started: number[] = [];
    let finished = 0;
    const error = await mapBounded([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 1 ? 1 : 20));
      finished += 1;
      if (item === 1 || item === 0) throw new Error(`item ${item}`);
      return item;
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe("item 0");
    expect(finished).toBe(started.length);
    expect(started.length).toBeLessThan(6);
  });
});
