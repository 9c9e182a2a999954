/**
 * The component registry is the one place a component is defined: a third component (a worker
 * with no port and no Service) added through the registry alone is generated, rendered by the
 * real kustomize, validated with every policy, and known to the environment schema.
 */
import { describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS, defineComponent } from "../../src/model/components.js";
import { validateEnvironment } from "../../src/model/environment-spec.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { generate, render, validate } from "../../src/index.js";
import { findObject, renderer, tempDir, type KObject } from "../helpers.js";

const worker = defineComponent({
  name: "worker",
  deploymentName: "argusai-worker",
  imageRepository: "ghcr.io/example/argusai-worker",
  probes: {
    action: { exec: { command: ["python", "-c", "import os; os.kill(1, 0)"] } },
    livenessInitialDelaySeconds: 10,
    livenessPeriodSeconds: 30,
    readinessInitialDelaySeconds: 5,
  },
  singleWriter: false,
  user: { runAsUser: 1000 },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  readsConfig: true,
});
const components = [...ARGUSAI_COMPONENTS, worker];

const staging = {
  name: "staging",
  namespace: "argusai-staging",
  secret: { mode: "existing" as const },
  images: { worker: { tag: "2.0.1" } },
  replicas: { worker: 3 },
  resources: { worker: { requests: { memory: "200Mi" } } },
};

describe("a third component added through the registry alone", () => {
  it("is generated, rendered and validated with every policy", async () => {
    const dir = await tempDir();
    // prod must pin every component's image, the worker's too: the rule comes from the registry.
    const prod = prodEnvironment();
    const pinnedProd = { ...prod, images: { ...prod.images, worker: { tag: "2.0.1" } } };
    const result = await generate({ dir, renderer, components, environments: [devEnvironment(), pinnedProd, staging] });
    expect(result.overlays.map((overlay) => overlay.environment)).toEqual(["dev", "prod", "staging"]);

    const objects = (await render("staging", { dir, renderer })).objects as KObject[];
    const deployment = findObject(objects, "Deployment", "argusai-worker");
    expect(deployment["metadata"].namespace).toBe("argusai-staging");
    expect(deployment["spec"].replicas).toBe(3);
    expect(deployment["spec"].selector.matchLabels).toEqual({ app: "argusai", component: "worker" });
    expect(deployment["spec"].strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pod = deployment["spec"].template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    const [container] = pod.containers;
    expect(container.name).toBe("worker");
    expect(container.image).toBe("ghcr.io/example/argusai-worker:2.0.1");
    expect(container.ports).toBeUndefined();
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(container.livenessProbe).toEqual({ exec: { command: ["python", "-c", "import os; os.kill(1, 0)"] }, initialDelaySeconds: 10, periodSeconds: 30 });
    expect(container.readinessProbe).toEqual({ exec: { command: ["python", "-c", "import os; os.kill(1, 0)"] }, initialDelaySeconds: 5 });
    expect(container.envFrom.map((source: KObject) => Object.keys(source)[0])).toEqual(["configMapRef", "secretRef"]);
    // No port, no Service.
    expect(objects.filter((object) => object["kind"] === "Service").map((object) => object["metadata"].name)).toEqual(["argusai-backend", "argusai-frontend"]);

    const validations = await validate([], { dir, renderer, components });
    expect(validations.map((overlay) => [overlay.environment, overlay.violations])).toEqual([
      ["dev", []],
      ["prod", []],
      ["staging", []],
    ]);
  });

  it("is part of the environment schema, with suggestions, and its rules come from its definition", () => {
    expect(validateEnvironment(staging, components)).toEqual([]);
    expect(validateEnvironment({ ...staging, replicas: { workr: 2 } }, components)).toEqual([
      { field: ["replicas", "workr"], message: "unknown field (did you mean worker?)" },
    ]);
    // Without the worker in the registry, the same spec is refused.
    expect(validateEnvironment(staging).map((problem) => problem.field.join("."))).toEqual(["images.worker", "replicas.worker", "resources.worker"]);
    // A single writer may not scale; the worker is not one.
    const writer = defineComponent({ ...worker, singleWriter: true });
    expect(validateEnvironment(staging, [...ARGUSAI_COMPONENTS, writer]).map((problem) => problem.field.join("."))).toEqual(["replicas.worker"]);
  });
});
