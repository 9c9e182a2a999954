/**
 * Sequences of versions of one environment, generated one after another into one tree with the
 * real kubectl. The oracle is written here, on the rendered objects (kubectl's output for the tree
 * as it was, and for the new version rendered on its own): generate refuses a step exactly when a
 * live cluster would refuse the change of an existing object (a PVC's class, access mode, or a
 * smaller size) or when the namespace moves (the data would stay behind); a refused step leaves
 * every byte as it was and `check` reports the same fields; --allow-replace lets it through.
 */
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { checkTree, generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { failureOf, findObject, renderer, snapshotTree, tempDir, type KObject } from "../helpers.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261215);
const RUNS = Number(process.env["UPGRADE_RUNS"] ?? 6);

const version = fc
  .record({
    namespace: fc.constantFrom("argusai-staging", "argusai-staging", "argusai-staging", "argusai-qa"),
    createNamespace: fc.boolean(),
    className: fc.constantFrom(undefined, undefined, "fast", "standard"),
    size: fc.constantFrom(undefined, "5Gi", "10Gi", "20Gi", "30Gi"),
    accessMode: fc.constantFrom(undefined, undefined, "ReadWriteOnce" as const, "ReadWriteOncePod" as const),
  })
  .map(({ namespace, createNamespace, className, size, accessMode }): EnvironmentSpec => {
    const storage = {
      ...(className !== undefined ? { className } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(accessMode !== undefined ? { accessMode } : {}),
    };
    return { name: "staging", namespace, createNamespace, secret: { mode: "existing" }, ...(Object.keys(storage).length > 0 ? { storage } : {}) };
  });

/** The fields a live cluster refuses to change on the existing objects (or that strand the data), from the rendered objects. */
function refusedFields(before: readonly KObject[], after: readonly KObject[]): string[] {
  const claim = (objects: readonly KObject[]) => findObject(objects, "PersistentVolumeClaim", "argusai-data");
  const old = claim(before);
  const now = claim(after);
  if (old["metadata"].namespace !== now["metadata"].namespace) return ["namespace"];
  const gibibytes = (size: string) => Number(/^(\d+)Gi$/.exec(size)![1]);
  return [
    ...(old["spec"].storageClassName !== now["spec"].storageClassName ? ["storage.className"] : []),
    ...(JSON.stringify(old["spec"].accessModes) !== JSON.stringify(now["spec"].accessModes) ? ["storage.accessMode"] : []),
    ...(gibibytes(now["spec"].resources.requests.storage) < gibibytes(old["spec"].resources.requests.storage) ? ["storage.size"] : []),
  ].sort();
}

const rendered = async (dir: string) => (await renderKustomization(path.join(dir, "overlays/staging"), renderer)).objects as KObject[];

/** A version rendered on its own (a fresh tree), as kubectl renders it; each distinct version once per run. */
const renderedAlone = new Map<string, Promise<KObject[]>>();
function renderAlone(spec: EnvironmentSpec): Promise<KObject[]> {
  const key = JSON.stringify(spec);
  let objects = renderedAlone.get(key);
  if (objects === undefined) {
    objects = tempDir("argusai-kustomize-alone-").then(async (alone) => {
      await generate({ dir: alone, environments: [spec], renderer });
      return rendered(alone);
    });
    renderedAlone.set(key, objects);
  }
  return objects;
}

describe("sequences of versions of one environment", () => {
  it("generate refuses exactly what a live cluster would refuse, changes nothing then, and goes on with --allow-replace", async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(version, { minLength: 2, maxLength: 4 }), async (versions) => {
        const dir = await tempDir("argusai-kustomize-upgrade-");
        await generate({ dir, environments: [versions[0]!], renderer });
        let current = await rendered(dir);
        for (const next of versions.slice(1)) {
          const alone = await renderAlone(next);
          const expected = refusedFields(current, alone);
          const checked = await checkTree({ dir, environments: [next] });
          expect([...new Set(checked.upgrades.map((finding) => finding.field))].sort()).toEqual(expected);
          seen[expected.length === 0 ? "accepted" : "refused"] += 1;
          if (expected.length === 0) {
            await generate({ dir, environments: [next], renderer });
          } else {
            const files = await snapshotTree(dir);
            const error = await failureOf(generate({ dir, environments: [next], renderer }));
            expect(error.code).toBe("UPGRADE_REFUSED");
            expect([...new Set(error.problems.map((problem) => problem.field))].sort()).toEqual(expected);
            expect(
              error.problems.every(
                (problem) => problem.environment === "staging" && /->/.test(problem.message) && /--allow-replace staging/.test(problem.message),
              ),
            ).toBe(true);
            expect(await snapshotTree(dir)).toEqual(files);
            await generate({ dir, environments: [next], renderer, allowReplace: ["staging"] });
          }
          // Whichever way, the tree is now the new version.
          current = await rendered(dir);
          expect(refusedFields(alone, current)).toEqual([]);
          expect((await checkTree({ dir, environments: [next] })).drift).toEqual([]);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The seed's sequences take both paths, or the property proved half of itself.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 300_000);
});
