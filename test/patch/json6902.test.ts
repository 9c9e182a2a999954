import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { argusBase, type Modeled } from "../../src/model/base.js";
import { applyOperations, ResourcePatch } from "../../src/patch/json6902.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { toYaml } from "../../src/write/yaml.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { findObject, renderer, tempDir } from "../helpers.js";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ArgusKustomizeError) return error.code;
    throw error;
  }
  return undefined;
}

describe("ResourcePatch", () => {
  it("addresses a container by name, resolves it to its index and guards it with a test op", () => {
    const base = argusBase();
    const patch = ResourcePatch.of(base.workloads.backend)
      .container("backend", (c) => c.set(["resources", "requests", "memory"], "300Mi"))
      .build();
    expect(patch.target).toEqual({ group: "apps", version: "v1", kind: "Deployment", name: "argusai-backend" });
    expect(patch.operations).toEqual([
      { op: "test", path: "/spec/template/spec/containers/0/name", value: "backend" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "300Mi" },
    ]);
  });

  it("adds a missing field, with missing parents nested in the value", () => {
    const base = argusBase();
    const patch = ResourcePatch.of(base.serviceAccount)
      .set(["imagePullSecrets"], [{ name: "regcred" }])
      .set(["metadata", "annotations", "example.com/owner"], "team-a")
      .set(["metadata", "annotations", "example.com/tier"], "gold")
      .build();
    expect(patch.target).toEqual({ version: "v1", kind: "ServiceAccount", name: "argusai" });
    expect(patch.operations).toEqual([
      { op: "add", path: "/imagePullSecrets", value: [{ name: "regcred" }] },
      { op: "add", path: "/metadata/annotations", value: { "example.com/owner": "team-a" } },
      { op: "add", path: "/metadata/annotations/example.com~1tier", value: "gold" },
    ]);
  });

  it("does not change the base model it was built from", () => {
    const base = argusBase();
    ResourcePatch.of(base.workloads.backend).set(["spec", "replicas"], 0).build();
    expect(base.workloads.backend.object.spec?.replicas).toBe(1);
  });

  it("rejects a container name the base does not have with PATCH_CONTAINER_NOT_FOUND", () => {
    const base = argusBase();
    // Past the type system (as a script in plain JS could): the check at build time still holds.
    const loose = base.workloads.backend as unknown as Modeled<Deployment, string>;
    const run = () =>
      ResourcePatch.of(loose)
        .container("api", (c) => c.set(["image"], "x:1"))
        .build();
    expect(codeOf(run)).toBe("PATCH_CONTAINER_NOT_FOUND");
    expect(run).toThrow(/no container named "api" \(containers: backend\)/);
  });

  it("rejects a path that does not resolve with PATCH_PATH_UNRESOLVABLE", () => {
    const base = argusBase();
    expect(codeOf(() => ResourcePatch.of(base.workloads.backend).remove(["spec", "paused"]).build())).toBe("PATCH_PATH_UNRESOLVABLE");
    expect(
      codeOf(() =>
        ResourcePatch.of(base.workloads.backend)
          .container("backend", (c) => c.set(["ports", 3, "containerPort"], 9000))
          .build(),
      ),
    ).toBe("PATCH_PATH_UNRESOLVABLE");
    // Through a scalar: the type system forbids it, a plain-JS caller can still try.
    const loose = ResourcePatch.of(base.workloads.backend) as unknown as { set(path: string[], value: unknown): { build(): unknown } };
    expect(codeOf(() => loose.set(["spec", "replicas", "x"], 1).build())).toBe("PATCH_PATH_UNRESOLVABLE");
  });

  it("rejects a patch or an operation that changes nothing with PATCH_NO_EFFECT", () => {
    const base = argusBase();
    expect(codeOf(() => ResourcePatch.of(base.workloads.backend).build())).toBe("PATCH_NO_EFFECT");
    const run = () =>
      ResourcePatch.of(base.workloads.backend)
        .container("backend", (c) => c.set(["resources", "limits", "memory"], "1Gi"))
        .build();
    expect(codeOf(run)).toBe("PATCH_NO_EFFECT");
    expect(run).toThrow(/field Deployment argusai-backend \/spec\/template\/spec\/containers\/0\/resources\/limits\/memory/);
    expect(codeOf(() => ResourcePatch.of(base.workloads.backend).set(["spec", "replicas"], 1).build())).toBe("PATCH_NO_EFFECT");
  });

  it("rejects operations that cancel out with PATCH_NO_EFFECT", () => {
    const base = argusBase();
    const run = () => ResourcePatch.of(base.workloads.backend).set(["spec", "replicas"], 3).set(["spec", "replicas"], 1).build();
    expect(codeOf(run)).toBe("PATCH_NO_EFFECT");
    expect(run).toThrow(/cancel out/);
  });

  it("refuses to address a container by index, so every container edit is guarded by name", () => {
    const base = argusBase();
    const run = () => ResourcePatch.of(base.workloads.backend).set(["spec", "template", "spec", "containers", 0, "image"], "x:1").build();
    expect(codeOf(run)).toBe("PATCH_PATH_UNRESOLVABLE");
    expect(run).toThrow(/addressed by name/);
  });

  it("resolves a container's index after earlier operations, as kustomize applies them", () => {
    const base = argusBase();
    // An earlier op adds a sidecar in front: the container edit must then address index 1.
    const patch = ResourcePatch.of(base.workloads.backend)
      .set(["spec", "template", "spec", "initContainers"], [{ name: "migrate", image: "ghcr.io/bbengt1/argusai-backend:latest" }])
      .container("backend", (c) => c.set(["image"], "ghcr.io/bbengt1/argusai-backend:2.0.0"))
      .build();
    expect(patch.operations.map((op) => op.path)).toEqual([
      "/spec/template/spec/initContainers",
      "/spec/template/spec/containers/0/name",
      "/spec/template/spec/containers/0/image",
    ]);
    const patched = structuredClone(base.workloads.backend.object);
    applyOperations(patched, patch.operations, { field: "test" });
    expect(patched.spec?.template.spec?.containers[0]?.image).toBe("ghcr.io/bbengt1/argusai-backend:2.0.0");
  });

  it("fails through the test guard in-process when the base's containers were reordered", () => {
    const base = argusBase();
    const patch = ResourcePatch.of(base.workloads.backend)
      .container("backend", (c) => c.set(["resources", "requests", "cpu"], "300m"))
      .build();
    const reordered = structuredClone(base.workloads.backend.object);
    reordered.spec!.template.spec!.containers.unshift({ name: "sidecar", image: "busybox:1.36" });
    expect(codeOf(() => applyOperations(reordered, patch.operations, { field: "test" }))).toBe("PATCH_TEST_FAILED");
    // And the untouched base still takes it.
    expect(codeOf(() => applyOperations(structuredClone(base.workloads.backend.object), patch.operations, { field: "test" }))).toBeUndefined();
  });

  it("makes the real kustomize fail on a reordered base, instead of patching the wrong container", async () => {
    const base = argusBase();
    const patch = ResourcePatch.of(base.workloads.backend)
      .container("backend", (c) => c.set(["resources", "requests", "cpu"], "300m"))
      .build();
    const dir = await tempDir();
    const write = async (file: string, documents: unknown[]) => {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), toYaml(documents));
    };
    const kustomization = (resources: string[]) => ({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources,
      patches: [{ path: "patch.yaml", target: patch.target }],
    });

    await write("good/kustomization.yaml", [kustomization(["deployment.yaml"])]);
    await write("good/patch.yaml", [patch.operations]);
    await write("good/deployment.yaml", [base.workloads.backend.object]);
    const good = await renderKustomization(path.join(dir, "good"), renderer);
    const container = findObject(good.objects, "Deployment", "argusai-backend")["spec"].template.spec.containers[0];
    expect(container.resources.requests.cpu).toBe("300m");

    const reordered = structuredClone(base.workloads.backend.object);
    reordered.spec!.template.spec!.containers.unshift({ name: "sidecar", image: "busybox:1.36" });
    await write("bad/kustomization.yaml", [kustomization(["deployment.yaml"])]);
    await write("bad/patch.yaml", [patch.operations]);
    await write("bad/deployment.yaml", [reordered]);
    const failure = await renderKustomization(path.join(dir, "bad"), renderer).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ArgusKustomizeError);
    expect((failure as ArgusKustomizeError).code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect((failure as ArgusKustomizeError).message).toMatch(/test/i);
  });
});
