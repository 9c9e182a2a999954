/**
 * The upgrade guards, one table row per rule, on (before, after) overlays written out here; and
 * the in-process overlay objects they judge, proven equal (in every field the guards read) to what
 * the real kubectl renders from the same tree.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/base.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { compileOverlayFiles, type CompiledOverlay } from "../../src/tree/compiled-objects.js";
import { yamlDocuments } from "../../src/yaml-documents.js";
import { refuseUpgrades, upgradeProblem } from "../../src/tree/upgrade-check.js";
import { upgradeFindings } from "../../src/tree/upgrade-guards.js";
import { failureOf, renderer, tempDir, type KObject } from "../helpers.js";

const KEEP = { "argocd.argoproj.io/sync-options": "Prune=false,Delete=false" };

/**
 * A small overlay: the data volume, the backend's Deployment and Service, and (optionally) the
 * Namespace. `change` is what the environment's fields make; `patched` what its escape-hatch
 * patches then change.
 */
function overlay(
  change: (objects: Record<string, any>) => void = () => undefined,
  namespace = "argusai-staging",
  patched: (objects: Record<string, any>) => void = () => undefined,
): CompiledOverlay {
  const objects: Record<string, any> = {
    claim: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "argusai-data", annotations: { ...KEEP } },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "argusai-backend" },
      spec: {
        selector: { matchLabels: { app: "argusai", component: "backend" } },
        template: { metadata: { labels: { app: "argusai", component: "backend", environment: "staging" } }, spec: { containers: [] } },
      },
    },
    service: { apiVersion: "v1", kind: "Service", metadata: { name: "argusai-backend" }, spec: { selector: { app: "argusai", component: "backend" } } },
    namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, annotations: { ...KEEP } } },
  };
  change(objects);
  const list = (from: Record<string, any>) => Object.values(from).filter((object) => object !== undefined) as KubeObject[];
  const modeled = list(objects);
  const withPatches = structuredClone(objects);
  patched(withPatches);
  return { environment: "staging", namespace, objects: list(withPatches), modeled };
}

/** [case, change made to the "after" overlay, (namespace after), expected findings as `field object objectField before -> after`] */
const ROWS: Array<[string, (objects: Record<string, any>) => void, string, string[]]> = [
  ["nothing changes", () => undefined, "argusai-staging", []],
  ["a larger volume (the API server accepts a growing request)", (o) => void (o.claim.spec.resources.requests.storage = "20Gi"), "argusai-staging", []],
  ["the same size written differently (10Gi = 10240Mi)", (o) => void (o.claim.spec.resources.requests.storage = "10240Mi"), "argusai-staging", []],
  [
    "a smaller volume",
    (o) => void (o.claim.spec.resources.requests.storage = "9Gi"),
    "argusai-staging",
    ['storage.size PersistentVolumeClaim/argusai-data spec.resources.requests.storage "10Gi" -> "9Gi"'],
  ],
  [
    "a smaller volume by a thousandth (exact comparison)",
    (o) => void (o.claim.spec.resources.requests.storage = "10737418239"),
    "argusai-staging",
    ['storage.size PersistentVolumeClaim/argusai-data spec.resources.requests.storage "10Gi" -> "10737418239"'],
  ],
  [
    "a storage class where there was none (the cluster gave it its default)",
    (o) => void (o.claim.spec.storageClassName = "fast"),
    "argusai-staging",
    ['storage.className PersistentVolumeClaim/argusai-data spec.storageClassName null -> "fast"'],
  ],
  [
    "another access mode",
    (o) => void (o.claim.spec.accessModes = ["ReadWriteOncePod"]),
    "argusai-staging",
    ['storage.accessMode PersistentVolumeClaim/argusai-data spec.accessModes ["ReadWriteOnce"] -> ["ReadWriteOncePod"]'],
  ],
  [
    "a volumeMode set by an escape-hatch patch",
    (o) => void (o.claim.spec.volumeMode = "Block"),
    "argusai-staging",
    ['patches PersistentVolumeClaim/argusai-data spec.volumeMode null -> "Block"'],
  ],
  [
    "a storage limit set by an escape-hatch patch",
    (o) => void (o.claim.spec.resources.limits = { storage: "20Gi" }),
    "argusai-staging",
    ["patches PersistentVolumeClaim/argusai-data spec.resources"],
  ],
  [
    "another Deployment selector",
    (o) => void (o.deployment.spec.selector.matchLabels.tier = "api"),
    "argusai-staging",
    [
      'spec.selector Deployment/argusai-backend spec.selector {"matchLabels":{"app":"argusai","component":"backend"}} -> {"matchLabels":{"app":"argusai","component":"backend","tier":"api"}}',
    ],
  ],
  [
    "a Service selector that no longer selects the backend's pods",
    (o) => void (o.service.spec.selector.component = "api"),
    "argusai-staging",
    ['spec.selector Service/argusai-backend spec.selector {"app":"argusai","component":"backend"} -> {"app":"argusai","component":"api"}'],
  ],
  ["a Service selector that still selects them (narrower, same pods)", (o) => void (o.service.spec.selector.environment = "staging"), "argusai-staging", []],
  [
    "the namespace moves: only the data is reported (everything is new there)",
    (o) => void (o.claim.spec.storageClassName = "fast"),
    "argusai-qa",
    ['namespace PersistentVolumeClaim/argusai-data metadata.namespace "argusai-staging" -> "argusai-qa"'],
  ],
  ["the protected Namespace leaves the overlay (createNamespace turned false)", (o) => void (o.namespace = undefined), "argusai-staging", []],
];

describe("upgradeFindings: what a live cluster refuses, or what strands data", () => {
  it.each(ROWS)("%s", (_case, change, namespace, expected) => {
    const findings = upgradeFindings(overlay(), overlay(change, namespace));
    expect(
      findings.map(
        (finding) =>
          `${finding.field} ${finding.object} ${finding.objectField}${finding.field === "patches" && finding.objectField === "spec.resources" ? "" : ` ${JSON.stringify(finding.before)} -> ${JSON.stringify(finding.after)}`}`,
      ),
    ).toEqual(expected);
    for (const finding of findings) {
      expect(finding.environment).toBe("staging");
      expect(finding.reason.length).toBeGreaterThan(20);
      expect(finding.fix).toContain("--allow-replace staging");
    }
  });

  it("a Namespace without Argo CD's Prune=false (an older tree) leaving the overlay is refused: a pruning sync would delete it and the data", () => {
    const before = overlay((o) => void delete o.namespace.metadata.annotations);
    const findings = upgradeFindings(
      before,
      overlay((o) => void (o.namespace = undefined)),
    );
    expect(findings.map((finding) => `${finding.field} ${finding.object}`)).toEqual(["createNamespace Namespace/argusai-staging"]);
    expect(findings[0]!.reason).toMatch(/pruning sync .* deletes it, and with it the data volume, the database and the Secret made outside the tree/);
  });

  it("another access mode is refused with the value to keep, as the environment field takes it", () => {
    const findings = upgradeFindings(
      overlay(),
      overlay((o) => void (o.claim.spec.accessModes = ["ReadWriteOncePod"])),
    );
    expect(findings[0]!.fix).toMatch(/^keep storage.accessMode ReadWriteOnce, or migrate the data/);
  });

  it("a change the environment's fields do not make is blamed on its escape-hatch patches, added or removed", () => {
    const fields = (findings: readonly { field: string; objectField: string; fix: string }[]) =>
      findings.map((finding) => `${finding.field} ${finding.objectField} ${finding.fix.split(",")[0]}`);
    const rwop = (o: Record<string, any>) => void (o.claim.spec.accessModes = ["ReadWriteOncePod"]);
    const fast = (o: Record<string, any>) => void (o.claim.spec.storageClassName = "fast");
    const smaller = (o: Record<string, any>) => void (o.claim.spec.resources.requests.storage = "5Gi");
    const both = (o: Record<string, any>) => {
      for (const change of [rwop, fast, smaller]) change(o);
    };
    const patchFix = "remove the escape-hatch patch that changes it";
    // A patch added in the new version.
    expect(fields(upgradeFindings(overlay(), overlay(undefined, undefined, both)))).toEqual([
      `patches spec.accessModes ${patchFix}`,
      `patches spec.storageClassName ${patchFix}`,
      `patches spec.resources.requests.storage ${patchFix}`,
    ]);
    // A patch of the old version dropped: the fields' value comes back, which is a change too.
    expect(fields(upgradeFindings(overlay(undefined, undefined, rwop), overlay()))).toEqual([`patches spec.accessModes ${patchFix}`]);
    // The same values made by the fields are the fields' changes.
    expect(fields(upgradeFindings(overlay(), overlay(both)))).toEqual([
      "storage.accessMode spec.accessModes keep storage.accessMode ReadWriteOnce",
      "storage.className spec.storageClassName if fast is the cluster's default class",
      "storage.size spec.resources.requests.storage keep storage.size at 10Gi or more",
    ]);
  });

  it("a selector changed by the components (a renamed component) or by a patch says which to keep", () => {
    const renamed = (o: Record<string, any>) => {
      o.deployment.spec.selector.matchLabels.component = "api";
      o.service.spec.selector.component = "api";
    };
    const fixes = (findings: readonly { object: string; fix: string }[]) => findings.map((finding) => `${finding.object}: ${finding.fix.split(")")[0]})`);
    expect(fixes(upgradeFindings(overlay(), overlay(renamed)))).toEqual([
      "Deployment/argusai-backend: keep the selector (keep the component's name, which makes its selector labels, as it was in the config)",
      "Service/argusai-backend: keep the selector (keep the component's name, which makes its selector labels, as it was in the config)",
    ]);
    expect(fixes(upgradeFindings(overlay(), overlay(undefined, undefined, renamed)))).toEqual([
      "Deployment/argusai-backend: keep the selector (remove the escape-hatch patch that changes it)",
      "Service/argusai-backend: keep the selector (remove the escape-hatch patch that changes it)",
    ]);
  });

  it("a storage class changed from one to another is refused with the class to keep", () => {
    const findings = upgradeFindings(
      overlay((o) => void (o.claim.spec.storageClassName = "standard")),
      overlay((o) => void (o.claim.spec.storageClassName = "fast")),
    );
    expect(findings.map((finding) => [finding.field, finding.before, finding.after])).toEqual([["storage.className", "standard", "fast"]]);
    expect(findings[0]!.fix).toMatch(/^keep storage.className standard, or migrate the data/);
    expect(findings[0]!.reason).toMatch(/immutable after creation/);
  });

  it("refuseUpgrades: an error naming environment, field, old and new value and the way forward; allowed per environment; an unknown name is a usage error", () => {
    const findings = upgradeFindings(
      overlay(),
      overlay((o) => void (o.claim.spec.resources.requests.storage = "5Gi")),
    );
    let error: unknown;
    try {
      refuseUpgrades(findings, [], ["staging"]);
    } catch (thrown) {
      error = thrown;
    }
    expect((error as { code?: string }).code).toBe("UPGRADE_REFUSED");
    expect((error as Error).message).toMatch(
      /environment "staging", field storage.size: PersistentVolumeClaim\/argusai-data spec.resources.requests.storage: "10Gi" -> "5Gi": a claim's storage request can only grow.*keep storage.size at 10Gi or more/,
    );
    expect(() => refuseUpgrades(findings, ["staging"], ["staging"])).not.toThrow();
    expect(() => refuseUpgrades(findings, ["prod"], ["staging", "prod"])).toThrow(/UPGRADE|change\(s\)/);
    expect(() => refuseUpgrades([], ["stagin"], ["staging"])).toThrow(/--allow-replace names no environment of the tree: stagin/);
    expect(upgradeProblem(findings[0]!).field).toBe("storage.size");
  });
});

describe("compileOverlayFiles: the guarded fields as kubectl renders them", () => {
  const staging: EnvironmentSpec = {
    name: "staging",
    namespace: "argusai-staging",
    secret: { mode: "existing" },
    storage: { className: "fast-ssd", size: "25Gi", accessMode: "ReadWriteOncePod" },
    patches: [{ target: { kind: "PersistentVolumeClaim", name: "argusai-data" }, operations: [{ op: "add", path: "/spec/volumeMode", value: "Filesystem" }] }],
  };

  it.each([
    ["dev", devEnvironment()],
    ["prod", prodEnvironment()],
    ["staging", staging],
  ] as const)("%s", async (name, spec) => {
    const dir = await tempDir();
    await generate({ dir, environments: [spec], renderer, cache: false });
    const compiled = await compileOverlayFiles((file) => readFile(path.join(dir, file), "utf8").catch(() => undefined), name);
    const rendered = (await renderKustomization(path.join(dir, "overlays", name), renderer)).objects as KObject[];
    const guarded = (objects: readonly KObject[]) =>
      objects
        .filter((object) => ["PersistentVolumeClaim", "Deployment", "Service", "Namespace"].includes(object["kind"]))
        .map((object) => ({
          id: `${object["kind"]}/${object["metadata"].name}`,
          namespace: object["metadata"].namespace ?? null,
          keep: object["metadata"].annotations?.["argocd.argoproj.io/sync-options"] ?? null,
          claim: object["kind"] === "PersistentVolumeClaim" ? object["spec"] : null,
          selector: object["spec"]?.selector ?? null,
          podLabels: object["kind"] === "Deployment" ? object["spec"].template.metadata.labels : null,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    // Pod labels aside: the labels transformer adds `environment` to them, which the guards never judge.
    const withoutPodLabels = (list: ReturnType<typeof guarded>) => list.map(({ podLabels: _labels, ...rest }) => rest);
    expect(compiled).toBeDefined();
    expect(compiled!.namespace).toBe(spec.namespace);
    expect(withoutPodLabels(guarded(compiled!.objects as KObject[]))).toEqual(withoutPodLabels(guarded(rendered)));
    for (const [before, after] of guarded(compiled!.objects as KObject[]).map((entry, index) => [entry, guarded(rendered)[index]!] as const)) {
      if (before.podLabels !== null) expect(after.podLabels).toEqual({ ...before.podLabels, environment: name });
    }
    // What the fields alone make: the escape-hatch patch's volumeMode is not there, the fields' mode is.
    const modeledClaim = guarded(compiled!.modeled as KObject[]).find((entry) => entry.id === "PersistentVolumeClaim/argusai-data")?.claim;
    expect(modeledClaim?.volumeMode).toBeUndefined();
    if (name === "staging") expect(modeledClaim?.accessModes).toEqual(["ReadWriteOncePod"]);
  });

  it("reads every YAML file generate writes as the yaml library does (the built-in and example environments)", async () => {
    const dir = await tempDir();
    const examples = (await readdir("examples")).filter((file) => file.endsWith(".yaml")).map((file) => path.resolve("examples", file));
    await generate({ dir, envFiles: examples, renderer });
    const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "utf8");
      expect(yamlDocuments(text), file).toEqual(parseAllDocuments(text).map((document) => document.toJS() as unknown));
    }
  });

  it("a tree it cannot read back (a patch that no longer applies, a file that is not YAML) is not judged", async () => {
    const files = new Map([
      ["base/kustomization.yaml", "resources: [pvc.yaml]\n"],
      ["base/pvc.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: argusai-data }\nspec: {}\n"],
      ["overlays/x/kustomization.yaml", "resources: [../../base]\npatches: [{ path: p.yaml, target: { kind: PersistentVolumeClaim, name: argusai-data } }]\n"],
      ["overlays/x/p.yaml", "- { op: test, path: /spec/x, value: 1 }\n"],
    ]);
    expect(await compileOverlayFiles((file) => files.get(file), "x")).toBeUndefined();
    files.set("overlays/x/kustomization.yaml", "resources: [../../base]\n");
    expect(await compileOverlayFiles((file) => files.get(file), "x")).toBeDefined();
    files.set("base/pvc.yaml", "kind: PersistentVolumeClaim\nspec: [unclosed\n");
    expect(await compileOverlayFiles((file) => files.get(file), "x")).toBeUndefined();
    expect(await compileOverlayFiles((file) => files.get(file), "y")).toBeUndefined();
  });
});

describe("generate refuses, check reports", () => {
  it("an access mode an escape-hatch patch set, then dropped: the refusal names the patches, not storage.accessMode", async () => {
    const dir = await tempDir();
    const spec: EnvironmentSpec = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };
    const patched: EnvironmentSpec = {
      ...spec,
      patches: [
        {
          target: { kind: "PersistentVolumeClaim", name: "argusai-data" },
          operations: [{ op: "replace", path: "/spec/accessModes", value: ["ReadWriteOncePod"] }],
        },
      ],
    };
    await generate({ dir, environments: [patched], renderer });
    const error = await failureOf(generate({ dir, environments: [spec], renderer }));
    expect(error.code).toBe("UPGRADE_REFUSED");
    expect(error.problems.map((problem) => `${problem.environment} ${problem.field}`)).toEqual(["staging patches"]);
    expect(error.message).toMatch(/spec.accessModes: \["ReadWriteOncePod"\] -> \["ReadWriteOnce"\].*remove the escape-hatch patch that changes it/);
  });

  it("a smaller volume on an existing environment: UPGRADE_REFUSED, nothing written; check lists it; --allow-replace goes on", async () => {
    const dir = await tempDir();
    const spec: EnvironmentSpec = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" }, storage: { size: "20Gi" } };
    await generate({ dir, environments: [spec], renderer });
    const before = await readFile(path.join(dir, "overlays/staging/patches/data-pvc.yaml"), "utf8");
    const smaller = { ...spec, storage: { size: "10Gi" } };
    const error = await failureOf(generate({ dir, environments: [smaller], renderer }));
    expect(error.code).toBe("UPGRADE_REFUSED");
    expect(error.problems.map((problem) => `${problem.environment} ${problem.field}`)).toEqual(["staging storage.size"]);
    expect(await readFile(path.join(dir, "overlays/staging/patches/data-pvc.yaml"), "utf8")).toBe(before);
    const { checkTree } = await import("../../src/index.js");
    const checked = await checkTree({ dir, environments: [smaller] });
    expect(checked.upgrades.map((finding) => [finding.field, finding.before, finding.after])).toEqual([["storage.size", "20Gi", "10Gi"]]);
    expect(checked.drift.length).toBeGreaterThan(0);
    await generate({ dir, environments: [smaller], renderer, allowReplace: ["staging"] });
    expect((await checkTree({ dir, environments: [smaller] })).upgrades).toEqual([]);
  });
});
