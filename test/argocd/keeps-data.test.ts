/**
 * "Argo CD never deletes the data volume, the owned Namespace, or the external Secret", checked on
 * the rendered objects (real kubectl) and the Application of every opted-in environment, over
 * generated environments with Argo CD on:
 * - the PVC, and the Namespace when the overlay owns it, carry Prune=false and Delete=false, read
 *   as Argo CD reads them (comma-separated, trimmed, exact): a pruning sync and a cascading
 *   Application delete skip them;
 * - the external Secret is not in the overlay (Argo CD does not own it: only deleting its
 *   Namespace would take it, which the above prevents);
 * - a Namespace Argo CD creates itself (createNamespace: false) is not made Argo CD's to delete (no
 *   tracking annotation in managedNamespaceMetadata), and no Application level option overrides.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { renderer, tempDir, type KObject } from "../helpers.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261216);

/** As Argo CD's HasAnnotationOption reads the sync-options annotation. */
const hasOption = (object: KObject, option: string) =>
  String(object["metadata"]?.annotations?.["argocd.argoproj.io/sync-options"] ?? "")
    .split(",")
    .some((item) => item.trim() === option);

const environment = fc
  .record({
    name: fc.constantFrom("staging", "qa", "prod-eu"),
    createNamespace: fc.option(fc.boolean(), { nil: undefined }),
    production: fc.boolean(),
    prune: fc.option(fc.boolean(), { nil: undefined }),
    className: fc.option(fc.constantFrom("fast", "standard"), { nil: undefined }),
    size: fc.option(fc.constantFrom("20Gi", "1Ti"), { nil: undefined }),
    tls: fc.boolean(),
  })
  .map(
    ({ name, createNamespace, production, prune, className, size, tls }): EnvironmentSpec => ({
      name,
      namespace: `argusai-${name}`,
      ...(createNamespace !== undefined ? { createNamespace } : {}),
      ...(production ? { production, images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" } } } : {}),
      secret: { mode: "existing" },
      ...(className !== undefined || size !== undefined
        ? { storage: { ...(className !== undefined ? { className } : {}), ...(size !== undefined ? { size } : {}) } }
        : {}),
      ...(tls ? { ingress: { host: `${name}.example.com`, tlsSecretName: "argusai-tls" } } : {}),
      argocd: { enabled: true, ...(prune !== undefined ? { automated: { prune } } : {}) },
    }),
  );

describe("Argo CD never deletes the data", () => {
  it("on every opted-in environment's rendered objects and Application", async () => {
    let owned = 0;
    let notOwned = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(environment, { minLength: 1, maxLength: 2, selector: (spec) => spec.name }), async (specs) => {
        const dir = await tempDir("argusai-kustomize-argocd-");
        await generate({ dir, environments: specs, renderer, argocd: { repoURL: "https://github.com/example/deploy.git" } });
        for (const spec of specs) {
          const objects = (await renderKustomization(path.join(dir, "overlays", spec.name), renderer)).objects as KObject[];
          const application = parse(await readFile(path.join(dir, "argocd", `${spec.name}.yaml`), "utf8")) as KObject;
          const claims = objects.filter((object) => object["kind"] === "PersistentVolumeClaim");
          expect(claims.map((claim) => claim["metadata"].name)).toEqual(["argusai-data"]);
          const namespaces = objects.filter((object) => object["kind"] === "Namespace");
          expect(namespaces.length).toBe(spec.createNamespace === false ? 0 : 1);
          for (const kept of [...claims, ...namespaces]) {
            expect(hasOption(kept, "Prune=false"), `${kept["kind"]} Prune=false`).toBe(true);
            expect(hasOption(kept, "Delete=false"), `${kept["kind"]} Delete=false`).toBe(true);
          }
          expect(objects.filter((object) => object["kind"] === "Secret")).toEqual([]);
          const syncOptions: string[] = application["spec"].syncPolicy?.syncOptions ?? [];
          expect(syncOptions.filter((option) => /^(Prune|Delete)=/.test(option))).toEqual([]);
          expect(application["spec"].syncPolicy?.managedNamespaceMetadata?.annotations?.["argocd.argoproj.io/tracking-id"]).toBeUndefined();
          expect(application["metadata"].finalizers).toBeUndefined();
          if (namespaces.length > 0) owned += 1;
          else notOwned += 1;
        }
      }),
      { numRuns: 8, seed: SEED },
    );
    expect(owned).toBeGreaterThan(0);
    expect(notOwned).toBeGreaterThan(0);
  }, 300_000);
});
