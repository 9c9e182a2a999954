/**
 * examples/production.yaml uses every production option; rendered by the real kustomize, each
 * option is asserted field by field on the output, the whole overlay passes the schema and every
 * policy, and every probe of every overlay hits a path the application serves.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS, ARGUSAI_SERVED_PATHS } from "../../src/model/components.js";
import { generate, render, validate } from "../../src/index.js";
import { findObject, renderer, tempDir, type KObject } from "../helpers.js";

let dir: string;
let objects: KObject[];
const byKind = (kind: string, name: string) => findObject(objects, kind, name);
const podOf = (name: string) => byKind("Deployment", name)["spec"].template.spec;

beforeAll(async () => {
  dir = await tempDir();
  await generate({ dir, renderer, envFiles: [path.resolve("examples/production.yaml"), path.resolve("examples/staging.yaml")] });
  objects = (await render("production-eu", { dir, renderer })).objects as KObject[];
});

describe("examples/production.yaml, rendered", () => {
  it("pulls each image from its own repository, pinned, with the pull secrets", () => {
    expect(podOf("argusai-backend").containers[0].image).toBe("ghcr.io/project-argusai/argusai-backend:1.5.0");
    expect(podOf("argusai-frontend").containers[0].image).toBe(`registry.example.com/mirror/argusai-frontend@sha256:${"0123456789abcdef".repeat(4)}`);
    expect(podOf("argusai-backend").imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(podOf("argusai-frontend").imagePullSecrets).toEqual([{ name: "regcred" }]);
  });

  it("autoscales the frontend: an HPA on CPU, and no fixed replica count in its Deployment", () => {
    expect(byKind("Deployment", "argusai-frontend")["spec"]).not.toHaveProperty("replicas");
    expect(byKind("Deployment", "argusai-backend")["spec"].replicas).toBe(1);
    expect(byKind("HorizontalPodAutoscaler", "argusai-frontend")["spec"]).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "argusai-frontend" },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    });
    expect(objects.filter((object) => object["kind"] === "HorizontalPodAutoscaler")).toHaveLength(1);
  });

  it("spreads the frontend's pods over nodes, never the single-writer backend", () => {
    expect(podOf("argusai-frontend").topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { app: "argusai", component: "frontend" } },
      },
    ]);
    expect(podOf("argusai-backend").topologySpreadConstraints).toBeUndefined();
  });

  it("has a budget per component: the backend never evicted, the frontend keeps one pod", () => {
    expect(byKind("PodDisruptionBudget", "argusai-backend")["spec"]).toEqual({
      maxUnavailable: 0,
      selector: { matchLabels: { app: "argusai", component: "backend" } },
    });
    expect(byKind("PodDisruptionBudget", "argusai-frontend")["spec"]).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { app: "argusai", component: "frontend" } },
    });
  });

  it("lets the backend be reached only from the frontend and the ingress controller, the frontend only from the controller", () => {
    const controller = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } };
    const monitoring = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };
    const backend = byKind("NetworkPolicy", "argusai-backend")["spec"];
    expect(backend.podSelector).toEqual({ matchLabels: { app: "argusai", component: "backend" } });
    expect(backend.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { app: "argusai", component: "frontend" } } }, controller, monitoring],
        ports: [{ port: "http", protocol: "TCP" }],
      },
    ]);
    expect(byKind("NetworkPolicy", "argusai-frontend")["spec"].ingress).toEqual([
      { from: [controller, monitoring], ports: [{ port: "http", protocol: "TCP" }] },
    ]);
    // Restricted egress keeps DNS and the namespace's own pods besides the CIDRs given.
    expect(backend.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(backend.egress).toEqual([
      {
        to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
      },
      { to: [{ podSelector: {} }] },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] },
    ]);
  });

  it("schedules each component as asked", () => {
    expect(podOf("argusai-backend").nodeSelector).toEqual({ "kubernetes.io/arch": "amd64" });
    expect(podOf("argusai-backend").tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "argusai", effect: "NoSchedule" }]);
    expect(podOf("argusai-backend").priorityClassName).toBe("argusai-critical");
    expect(podOf("argusai-frontend").affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions).toEqual([
      { key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a"] },
    ]);
    expect(podOf("argusai-frontend").nodeSelector).toBeUndefined();
  });

  it("routes one host: the application's backend paths, / to the frontend, WebSocket-friendly nginx settings", () => {
    const ingress = byKind("Ingress", "argusai");
    expect(ingress["metadata"].annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "nginx.ingress.kubernetes.io/proxy-body-size": "50m",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    });
    expect(ingress["metadata"].labels.team).toBe("vision");
    expect(ingress["spec"].ingressClassName).toBe("nginx");
    expect(ingress["spec"].tls).toEqual([{ hosts: ["argusai.example.com"], secretName: "argusai-tls" }]);
    const routes = ingress["spec"].rules[0].http.paths.map((route: KObject) => [route["path"], route["backend"].service.name, route["pathType"]]);
    expect(routes).toEqual([
      ["/api", "argusai-backend", "Prefix"],
      ["/ws", "argusai-backend", "Prefix"],
      ["/health", "argusai-backend", "Prefix"],
      ["/docs", "argusai-backend", "Prefix"],
      ["/openapi.json", "argusai-backend", "Prefix"],
      ["/", "argusai-frontend", "Prefix"],
    ]);
  });

  it("carries the ServiceAccount, Service and PVC metadata, and keeps the PVC from Argo CD prune and delete", () => {
    expect(byKind("ServiceAccount", "argusai")["metadata"].annotations).toEqual({
      "iam.gke.io/gcp-service-account": "argusai@example-project.iam.gserviceaccount.com",
    });
    for (const name of ["argusai-backend", "argusai-frontend"])
      expect(byKind("Service", name)["metadata"].annotations).toEqual({ "prometheus.io/scrape": "true" });
    const pvc = byKind("PersistentVolumeClaim", "argusai-data");
    expect(pvc["metadata"].annotations).toEqual({ "argocd.argoproj.io/sync-options": "Prune=false,Delete=false", "backup.velero.io/backup-volumes": "data" });
    expect(pvc["spec"]).toEqual({ accessModes: ["ReadWriteOncePod"], resources: { requests: { storage: "50Gi" } }, storageClassName: "fast-ssd" });
  });

  it("applies the escape-hatch patch to the named container", () => {
    expect(podOf("argusai-backend").containers[0].env).toEqual([{ name: "TZ", value: "Europe/Berlin" }]);
  });

  it("passes the Kubernetes schema and every policy", async () => {
    const [result] = await validate(["production-eu"], { dir, renderer });
    expect(result!.violations).toEqual([]);
  });

  it("probes, in every overlay, only paths the application serves, on its own port", async () => {
    for (const environment of ["dev", "prod", "staging", "production-eu"]) {
      const rendered = (await render(environment, { dir, renderer })).objects as KObject[];
      for (const component of ARGUSAI_COMPONENTS) {
        const container = findObject(rendered, "Deployment", component.deploymentName)["spec"].template.spec.containers[0];
        for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
          if (container[probe] === undefined) continue;
          expect(ARGUSAI_SERVED_PATHS[component.name], `${environment} ${component.name} ${probe}`).toContain(container[probe].httpGet.path);
          expect(container[probe].httpGet.port).toBe(component.port);
        }
      }
    }
  });
});
