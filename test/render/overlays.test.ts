/**
 * The tree generate writes, rendered with the real kubectl kustomize (or kustomize build), checked
 * field by field against DESIGN.md §2 (the story's numbers) and §3 (the environments).
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/index.js";
import { renderKustomization, type Rendered } from "../../src/render/kustomize.js";
import { PROD_IMAGE_VERSION_PLACEHOLDER } from "../../src/model/built-in-environments.js";
import { findObject, renderer, tempDir, type KObject } from "../helpers.js";

let dir: string;
const rendered: Record<"base" | "dev" | "prod", Rendered> = {} as never;

beforeAll(async () => {
  dir = await tempDir();
  await generate({ dir, renderer });
  const [base, dev, prod] = await Promise.all(["base", "overlays/dev", "overlays/prod"].map((sub) => renderKustomization(path.join(dir, sub), renderer)));
  Object.assign(rendered, { base, dev, prod });
});

const podLabels = (component: string) => ({
  app: "argusai",
  component,
  "app.kubernetes.io/name": "argusai",
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/part-of": "argusai",
});

function container(deployment: KObject): KObject {
  const containers = deployment["spec"].template.spec.containers as KObject[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

describe.each(["base", "dev", "prod"] as const)("%s renders the story's backend", (which) => {
  const objects = () => rendered[which].objects as KObject[];
  const deployment = () => findObject(objects(), "Deployment", "argusai-backend");

  it("prints no warning", () => {
    expect(rendered[which].warnings).toEqual([]);
  });

  it("labels metadata, selector and pods; selector has only the two base labels", () => {
    const d = deployment();
    expect(d["apiVersion"]).toBe("apps/v1");
    expect(d["metadata"].labels).toMatchObject(podLabels("backend"));
    expect(d["spec"].selector).toEqual({ matchLabels: { app: "argusai", component: "backend" } });
    expect(d["spec"].template.metadata.labels).toMatchObject(podLabels("backend"));
  });

  it("runs one replica with the Recreate strategy (single SQLite writer on a RWO volume)", () => {
    expect(deployment()["spec"].replicas).toBe(1);
    expect(deployment()["spec"].strategy).toEqual({ type: "Recreate" });
  });

  it("has the image, pull policy and named port", () => {
    const c = container(deployment());
    expect(c["name"]).toBe("backend");
    const expectedTag = which === "prod" ? PROD_IMAGE_VERSION_PLACEHOLDER : "latest";
    expect(c["image"]).toBe(`ghcr.io/bbengt1/argusai-backend:${expectedTag}`);
    expect(c["imagePullPolicy"]).toBe("IfNotPresent");
    expect(c["ports"]).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
  });

  it("meets the restricted Pod Security Standard", () => {
    const pod = deployment()["spec"].template.spec;
    // OnRootMismatch: no recursive chown of the data volume on every start.
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("argusai");
    expect(container(deployment())["securityContext"]).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
  });

  it("has the story's requests and limits (dev: smaller requests)", () => {
    const requests = which === "dev" ? { memory: "256Mi", cpu: "100m" } : { memory: "512Mi", cpu: "250m" };
    expect(container(deployment())["resources"]).toEqual({ requests, limits: { memory: "1Gi", cpu: "1000m" } });
  });

  it("probes /health on 8000 (the story's /api/v1/system/health does not exist): liveness 15s/20s, readiness 5s, a 30 x 5 s startup probe", () => {
    const c = container(deployment());
    expect(c["livenessProbe"]).toEqual({ httpGet: { path: "/health", port: 8000 }, initialDelaySeconds: 15, periodSeconds: 20 });
    expect(c["readinessProbe"]).toEqual({ httpGet: { path: "/health", port: 8000 }, initialDelaySeconds: 5 });
    expect(c["startupProbe"]).toEqual({ httpGet: { path: "/health", port: 8000 }, periodSeconds: 5, failureThreshold: 30 });
  });

  it("gives the queue drain 45 s before SIGKILL", () => {
    expect(deployment()["spec"].template.spec.terminationGracePeriodSeconds).toBe(45);
  });

  it("takes its config from the rendered ConfigMap and Secret names", () => {
    const configMap = findObject(objects(), "ConfigMap", "argusai-config", true);
    const secretName = which === "dev" ? findObject(objects(), "Secret", "argusai-secrets", true)["metadata"].name : "argusai-secrets";
    expect(container(deployment())["envFrom"]).toEqual([{ configMapRef: { name: configMap["metadata"].name } }, { secretRef: { name: secretName } }]);
  });

  it("mounts the argusai-data PVC at /app/data", () => {
    const pod = deployment()["spec"].template.spec;
    expect(container(deployment())["volumeMounts"]).toEqual([{ name: "data", mountPath: "/app/data" }]);
    expect(pod.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "argusai-data" } }]);
    const pvc = findObject(objects(), "PersistentVolumeClaim", "argusai-data");
    expect(pvc["spec"].accessModes).toEqual(["ReadWriteOnce"]);
    expect(pvc["spec"].resources.requests.storage).toBe(which === "dev" ? "2Gi" : "10Gi");
  });
});

describe.each(["base", "dev", "prod"] as const)("%s renders the story's frontend", (which) => {
  const objects = () => rendered[which].objects as KObject[];
  const deployment = () => findObject(objects(), "Deployment", "argusai-frontend");

  it("labels metadata, selector and pods", () => {
    const d = deployment();
    expect(d["metadata"].labels).toMatchObject(podLabels("frontend"));
    expect(d["spec"].selector).toEqual({ matchLabels: { app: "argusai", component: "frontend" } });
    expect(d["spec"].template.metadata.labels).toMatchObject(podLabels("frontend"));
  });

  it("rolls out with maxSurge 1 and maxUnavailable 0 (prod: 2 replicas)", () => {
    expect(deployment()["spec"].strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployment()["spec"].replicas).toBe(which === "prod" ? 2 : 1);
  });

  it("has the image, pull policy and named port", () => {
    const c = container(deployment());
    expect(c["name"]).toBe("frontend");
    const expectedTag = which === "prod" ? PROD_IMAGE_VERSION_PLACEHOLDER : "latest";
    expect(c["image"]).toBe(`ghcr.io/bbengt1/argusai-frontend:${expectedTag}`);
    expect(c["imagePullPolicy"]).toBe("IfNotPresent");
    expect(c["ports"]).toEqual([{ name: "http", containerPort: 3000, protocol: "TCP" }]);
  });

  it("meets the restricted Pod Security Standard", () => {
    const pod = deployment()["spec"].template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container(deployment())["securityContext"]).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
  });

  it("has the story's requests and limits (dev: smaller requests)", () => {
    const requests = which === "dev" ? { memory: "128Mi", cpu: "50m" } : { memory: "256Mi", cpu: "100m" };
    expect(container(deployment())["resources"]).toEqual({ requests, limits: { memory: "512Mi", cpu: "500m" } });
  });

  it("probes / on 3000: liveness 15s/20s, readiness 5s", () => {
    const c = container(deployment());
    expect(c["livenessProbe"]).toEqual({ httpGet: { path: "/", port: 3000 }, initialDelaySeconds: 15, periodSeconds: 20 });
    expect(c["readinessProbe"]).toEqual({ httpGet: { path: "/", port: 3000 }, initialDelaySeconds: 5 });
  });

  it("points NEXT_PUBLIC_API_URL and NEXT_PUBLIC_WS_URL at the backend Service as rendered", () => {
    const service = findObject(objects(), "Service", "argusai-backend");
    const port = (service["spec"].ports as KObject[]).find((p) => p["name"] === "http")!["port"];
    const frontendNamespace = deployment()["metadata"].namespace;
    // A short Service name resolves only inside the same namespace.
    expect(service["metadata"].namespace).toBe(frontendNamespace);
    expect(container(deployment())["env"]).toEqual([
      { name: "NEXT_PUBLIC_API_URL", value: `http://${service["metadata"].name}:${port}` },
      { name: "NEXT_PUBLIC_WS_URL", value: `ws://${service["metadata"].name}:${port}` },
    ]);
  });

  it("has ClusterIP Services on port name http, targetPort http, selecting each component's pods", () => {
    for (const [component, port] of [
      ["backend", 8000],
      ["frontend", 3000],
    ] as const) {
      const service = findObject(objects(), "Service", `argusai-${component}`);
      expect(service["spec"].type).toBe("ClusterIP");
      expect(service["spec"].ports).toEqual([{ name: "http", port, targetPort: "http", protocol: "TCP" }]);
      expect(service["spec"].selector).toEqual({ app: "argusai", component });
    }
  });

  it("has a ServiceAccount with token automount off", () => {
    expect(findObject(objects(), "ServiceAccount", "argusai")["automountServiceAccountToken"]).toBe(false);
  });
});

describe("environment differences", () => {
  const objects = (which: "dev" | "prod") => rendered[which].objects as KObject[];

  it("puts every namespaced object in the environment's namespace and labels it with the environment", () => {
    for (const [which, namespace] of [
      ["dev", "argusai-dev"],
      ["prod", "argusai"],
    ] as const) {
      for (const object of objects(which)) {
        if (object["kind"] === "Namespace") continue;
        expect(object["metadata"].namespace, `${object["kind"]} ${object["metadata"].name}`).toBe(namespace);
        expect(object["metadata"].labels.environment, `${object["kind"]} ${object["metadata"].name}`).toBe(which);
      }
    }
  });

  it("dev brings its Namespace, enforcing the restricted profile; prod leaves its namespace (and the Secret in it) alone", () => {
    const ns = findObject(objects("dev"), "Namespace", "argusai-dev");
    expect(ns["metadata"].labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(ns["metadata"]).not.toHaveProperty("namespace");
    expect(objects("prod").filter((object) => object["kind"] === "Namespace")).toEqual([]);
  });

  it("labels pod templates with the environment but never the selectors", () => {
    for (const which of ["dev", "prod"] as const) {
      for (const name of ["argusai-backend", "argusai-frontend"]) {
        const d = findObject(objects(which), "Deployment", name);
        expect(d["spec"].template.metadata.labels.environment).toBe(which);
        expect(d["spec"].selector.matchLabels).not.toHaveProperty("environment");
      }
    }
  });

  it("dev merges DEBUG and LOG_LEVEL into argusai-config; prod keeps the base values", () => {
    expect(findObject(objects("dev"), "ConfigMap", "argusai-config", true)["data"]).toEqual({
      DATABASE_URL: "sqlite:////app/data/app.db",
      DEBUG: "true",
      LOG_LEVEL: "DEBUG",
    });
    expect(findObject(objects("prod"), "ConfigMap", "argusai-config", true)["data"]).toEqual({
      DATABASE_URL: "sqlite:////app/data/app.db",
      DEBUG: "false",
      LOG_LEVEL: "INFO",
    });
  });

  it("dev generates its Secret from the local secrets.env; prod renders no Secret at all", () => {
    const secret = findObject(objects("dev"), "Secret", "argusai-secrets", true);
    expect(Object.keys(secret["data"]).sort()).toEqual(["ENCRYPTION_KEY", "JWT_SECRET_KEY"]);
    const fernet = Buffer.from(secret["data"].ENCRYPTION_KEY, "base64").toString();
    expect(Buffer.from(fernet, "base64url")).toHaveLength(32);
    expect(objects("prod").filter((object) => object["kind"] === "Secret")).toEqual([]);
  });

  it("prod pins both images and never uses latest", () => {
    const images = objects("prod")
      .filter((object) => object["kind"] === "Deployment")
      .flatMap((d) => (d["spec"].template.spec.containers as KObject[]).map((c) => c["image"] as string));
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(image).not.toMatch(/:latest$/);
      expect(image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$|@sha256:[a-f0-9]{64}$/);
    }
  });

  it("prod protects the frontend with a PodDisruptionBudget matching its pods; dev has none", () => {
    const pdb = findObject(objects("prod"), "PodDisruptionBudget", "argusai-frontend");
    expect(pdb["apiVersion"]).toBe("policy/v1");
    expect(pdb["spec"]).toEqual({ minAvailable: 1, selector: { matchLabels: { app: "argusai", component: "frontend" } } });
    expect(objects("dev").filter((object) => object["kind"] === "PodDisruptionBudget")).toEqual([]);
  });

  it("renders exactly the expected objects", () => {
    const kinds = (which: "dev" | "prod") =>
      objects(which)
        .map((object) => `${object["kind"]}/${String(object["metadata"].name).replace(/-[a-z0-9]{10}$/, "-<hash>")}`)
        .sort();
    const common = [
      "ConfigMap/argusai-config-<hash>",
      "Deployment/argusai-backend",
      "Deployment/argusai-frontend",
      "PersistentVolumeClaim/argusai-data",
      "Service/argusai-backend",
      "Service/argusai-frontend",
      "ServiceAccount/argusai",
    ];
    expect(kinds("prod")).toEqual([...common, "PodDisruptionBudget/argusai-frontend"].sort());
    expect(kinds("dev")).toEqual([...common, "Namespace/argusai-dev", "Secret/argusai-secrets-<hash>"].sort());
  });
});
