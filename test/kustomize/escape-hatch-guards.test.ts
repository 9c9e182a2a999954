/**
 * The escape hatch cannot break what the tool owns: images, containers, selectors, the single
 * writer and Argo CD's keep options, whatever path the operations take. Each refused patch is an
 * INVALID_SPEC naming the environment, the patch and what it breaks, before anything is written;
 * patches that keep the invariants still work.
 */
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { argusBase } from "../../src/model/base.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { overlayPatches } from "../../src/kustomize/overlay-patches.js";
import { generate } from "../../src/index.js";
import { failureOf, renderer, snapshotTree, tempDir } from "../helpers.js";

type Patch = NonNullable<EnvironmentSpec["patches"]>[number];

const base = argusBase();
const backendPod = structuredClone(base.workloads.backend.object.spec!.template.spec!);
const otherImage = { ...backendPod, containers: backendPod.containers.map((container) => ({ ...container, image: "docker.io/evil/x:1" })) };

function spec(...patches: Patch[]): EnvironmentSpec {
  return { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" }, patches };
}

const deployment = (name: "argusai-backend" | "argusai-frontend", ...operations: Patch["operations"]): Patch => ({
  target: { kind: "Deployment", name },
  operations,
});

/** [case, patch, what the error must say] */
const REFUSED: Array<[string, Patch, RegExp]> = [
  [
    "replace /spec/template/spec with a pod spec carrying another image",
    deployment("argusai-backend", { op: "replace", path: "/spec/template/spec", value: otherImage }),
    /changes the image of container "backend" from ghcr.io\/bbengt1\/argusai-backend:latest to docker.io\/evil\/x:1: set it with images.backend/,
  ],
  [
    "replace /spec/template with another image",
    deployment("argusai-backend", {
      op: "replace",
      path: "/spec/template",
      value: { ...structuredClone(base.workloads.backend.object.spec!.template), spec: otherImage },
    }),
    /changes the image of container "backend".*images.backend/,
  ],
  [
    "replace /spec/template/spec with {} (what the policies read, gone)",
    deployment("argusai-backend", { op: "replace", path: "/spec/template/spec", value: {} }),
    /removes container "backend" \(or the pod spec holding it\)/,
  ],
  ["remove /spec/template", deployment("argusai-frontend", { op: "remove", path: "/spec/template" }), /removes container "frontend"/],
  [
    "the image path itself (the guard by path, kept)",
    deployment("argusai-frontend", { op: "replace", path: "/spec/template/spec/containers/0/image", value: "x:1" }),
    /would change a component's image/,
  ],
  [
    "a Deployment's selector changed",
    deployment("argusai-frontend", { op: "add", path: "/spec/selector/matchLabels/tier", value: "web" }),
    /changes spec.selector .* a Deployment's selector is immutable on a live cluster/,
  ],
  [
    "pod labels that leave the selector selecting nothing of its own",
    deployment("argusai-frontend", { op: "replace", path: "/spec/template/metadata/labels/component", value: "web" }),
    /no longer selects its own pods/,
  ],
  [
    "a Service's selector changed",
    { target: { kind: "Service", name: "argusai-backend" }, operations: [{ op: "replace", path: "/spec/selector/component", value: "api" }] },
    /changes spec.selector .* the Service would stop sending traffic/,
  ],
  [
    "the single writer rolled",
    deployment("argusai-backend", { op: "replace", path: "/spec/strategy", value: { type: "RollingUpdate" } }),
    /single writer .* Recreate/,
  ],
  [
    "the single writer scaled through /spec",
    deployment("argusai-backend", { op: "replace", path: "/spec/replicas", value: 2 }),
    /sets spec.replicas to 2: argusai-backend is a single writer/,
  ],
  [
    "the data volume's keep options dropped",
    { target: { kind: "PersistentVolumeClaim", name: "argusai-data" }, operations: [{ op: "remove", path: "/metadata/annotations" }] },
    /drops Prune=false .* and drops Delete=false/,
  ],
];

const KEPT: Array<[string, Patch]> = [
  [
    "a sidecar with its own image",
    deployment("argusai-backend", {
      op: "add",
      path: "/spec/template/spec/containers/-",
      value: { name: "litestream", image: "litestream/litestream:0.3.13" },
    }),
  ],
  ["a pod label added (the selector still selects)", deployment("argusai-frontend", { op: "add", path: "/spec/template/metadata/labels/tier", value: "web" })],
  ["a field of the pod spec", deployment("argusai-frontend", { op: "add", path: "/spec/template/spec/dnsPolicy", value: "Default" })],
  [
    "a Service annotation",
    { target: { kind: "Service", name: "argusai-backend" }, operations: [{ op: "add", path: "/metadata/annotations", value: { a: "b" } }] },
  ],
];

describe("escape-hatch invariants", () => {
  it.each(REFUSED)("refused: %s", (_case, patch, message) => {
    let thrown: unknown;
    try {
      overlayPatches(base, spec(patch));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ArgusKustomizeError);
    const error = thrown as ArgusKustomizeError;
    expect(error.code).toBe("INVALID_SPEC");
    expect(error.location.environment).toBe("staging");
    expect(error.location.field).toMatch(/^patches\.0/);
    expect(error.reason).toMatch(message);
  });

  it.each(KEPT)("kept: %s", (_case, patch) => {
    expect(overlayPatches(base, spec(patch)).length).toBeGreaterThan(0);
  });

  it("generate: replace /spec/template/spec with {} is an INVALID_SPEC with the environment and field, never WRITE_FAILED; nothing is written", async () => {
    const dir = await tempDir();
    await generate({ dir, environments: [spec(KEPT[2]![1])], renderer });
    const before = await snapshotTree(dir);
    const error = await failureOf(generate({ dir, environments: [spec(REFUSED[2]![1])], renderer }));
    expect(error.code).toBe("INVALID_SPEC");
    expect(error.message).toMatch(/environment "staging", field patches.0: the patch removes container "backend"/);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});
