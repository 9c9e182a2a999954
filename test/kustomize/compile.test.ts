import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileTree, type TreePlan } from "../../src/kustomize/compile.js";
import { argusBase } from "../../src/model/base.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { builtInEnvironments, devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { findObject, renderer, tempDir, type KObject } from "../helpers.js";

/** The YAML documents of one planned file. */
function documentsOf(plan: TreePlan, file: string): KObject[] {
  const planned = plan.files.find((candidate) => candidate.path === file);
  if (planned === undefined || !("documents" in planned)) throw new Error(`no YAML file ${file} in the plan`);
  return planned.documents as KObject[];
}

const DEPRECATED = ["commonLabels", "patchesStrategicMerge", "patchesJson6902", "bases", "vars", "imageTags"];

describe("compileTree", () => {
  it("never writes a deprecated kustomization field, nor includeSelectors, nor an empty target", () => {
    const plan = compileTree(argusBase(), builtInEnvironments());
    const kustomizations = plan.files.filter((file) => file.path.endsWith("kustomization.yaml"));
    expect(kustomizations.map((file) => file.path)).toEqual(["base/kustomization.yaml", "overlays/dev/kustomization.yaml", "overlays/prod/kustomization.yaml"]);
    for (const file of kustomizations) {
      const k = documentsOf(plan, file.path)[0]!;
      for (const field of DEPRECATED) expect(k, `${file.path} ${field}`).not.toHaveProperty(field);
      for (const label of (k["labels"] ?? []) as KObject[]) expect(label["includeSelectors"]).toBe(false);
      for (const patch of (k["patches"] ?? []) as KObject[]) {
        expect(Object.keys(patch["target"]).sort()).toEqual(expect.arrayContaining(["kind", "name", "version"]));
      }
    }
  });

  it("writes the JSON6902 patch files the kustomization lists, each guarded by a test op", () => {
    const plan = compileTree(argusBase(), [devEnvironment()]);
    const listed = (documentsOf(plan, "overlays/dev/kustomization.yaml")[0]!["patches"] as KObject[]).map((patch) => `overlays/dev/${patch["path"]}`);
    const written = plan.files.filter((file) => file.path.startsWith("overlays/dev/patches/")).map((file) => file.path);
    expect(listed).toEqual(written);
    expect(documentsOf(plan, "overlays/dev/patches/backend-deployment.yaml")[0]).toEqual([
      { op: "test", path: "/spec/template/spec/containers/0/name", value: "backend" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/cpu", value: "100m" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "256Mi" },
    ]);
  });

  it("writes nothing for prod that the base already has (no no-op patches or replicas), only the frontend's spread over nodes", () => {
    const plan = compileTree(argusBase(), [prodEnvironment()]);
    expect(plan.files.map((file) => file.path).filter((file) => file.startsWith("overlays/"))).toEqual([
      "overlays/prod/kustomization.yaml",
      "overlays/prod/frontend-pdb.yaml",
      "overlays/prod/patches/frontend-deployment.yaml",
    ]);
  });
});

describe("an environment defined from a script", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  const staging: EnvironmentSpec = {
    name: "staging",
    namespace: "argusai-staging",
    production: true,
    createNamespace: false,
    images: { backend: { digest }, frontend: { tag: "1.4.2" } },
    replicas: { frontend: 3 },
    resources: { frontend: { limits: { memory: "768Mi" } } },
    config: { LOG_LEVEL: "WARNING", FEATURE_X: "on" },
    secret: { mode: "existing" },
    ingress: { host: "argusai.staging.example.com", tlsSecretName: "argusai-tls", className: "nginx" },
    storage: { className: "fast-ssd", size: "20Gi" },
    disruptionBudgets: { frontend: { minAvailable: 2 } },
  };

  it("renders with the real kustomize exactly as specified", async () => {
    const dir = await tempDir();
    const result = await generate({ dir, environments: [staging], renderer });
    expect(result.overlays.map((overlay) => overlay.dir)).toEqual(["overlays/staging"]);
    const { objects, warnings } = await renderKustomization(path.join(dir, "overlays/staging"), renderer);
    expect(warnings).toEqual([]);
    const all = objects as KObject[];
    expect(all.filter((object) => object["kind"] === "Namespace")).toEqual([]);

    const backend = findObject(all, "Deployment", "argusai-backend")["spec"].template.spec.containers[0];
    expect(backend.image).toBe(`ghcr.io/bbengt1/argusai-backend@${digest}`);
    const frontend = findObject(all, "Deployment", "argusai-frontend");
    expect(frontend["spec"].replicas).toBe(3);
    expect(frontend["spec"].template.spec.containers[0].image).toBe("ghcr.io/bbengt1/argusai-frontend:1.4.2");
    expect(frontend["spec"].template.spec.containers[0].resources).toEqual({
      requests: { memory: "256Mi", cpu: "100m" },
      limits: { memory: "768Mi", cpu: "500m" },
    });

    expect(findObject(all, "ConfigMap", "argusai-config", true)["data"]).toEqual({
      DATABASE_URL: "sqlite:////app/data/app.db",
      DEBUG: "false",
      FEATURE_X: "on",
      LOG_LEVEL: "WARNING",
    });
    const pvc = findObject(all, "PersistentVolumeClaim", "argusai-data");
    expect(pvc["spec"].storageClassName).toBe("fast-ssd");
    expect(pvc["spec"].resources.requests.storage).toBe("20Gi");

    const ingress = findObject(all, "Ingress", "argusai");
    expect(ingress["metadata"].namespace).toBe("argusai-staging");
    expect(ingress["spec"]).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["argusai.staging.example.com"], secretName: "argusai-tls" }],
      rules: [
        {
          host: "argusai.staging.example.com",
          http: {
            paths: [
              { path: "/api", pathType: "Prefix", backend: { service: { name: "argusai-backend", port: { name: "http" } } } },
              { path: "/ws", pathType: "Prefix", backend: { service: { name: "argusai-backend", port: { name: "http" } } } },
              { path: "/health", pathType: "Prefix", backend: { service: { name: "argusai-backend", port: { name: "http" } } } },
              { path: "/docs", pathType: "Prefix", backend: { service: { name: "argusai-backend", port: { name: "http" } } } },
              { path: "/openapi.json", pathType: "Prefix", backend: { service: { name: "argusai-backend", port: { name: "http" } } } },
              { path: "/", pathType: "Prefix", backend: { service: { name: "argusai-frontend", port: { name: "http" } } } },
            ],
          },
        },
      ],
    });
    expect(findObject(all, "PodDisruptionBudget", "argusai-frontend")["spec"].minAvailable).toBe(2);
  });
});
