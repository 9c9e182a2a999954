/**
 * Each policy id: one manifest that violates it and one that does not. The passing manifests are
 * the real base (as typed objects); each violating one is the base with one thing broken.
 */
import { describe, expect, it } from "vitest";
import { argusBase, baseResources } from "../../src/model/base.js";
import { POLICIES, policyViolations, type PolicyContext, type RenderedObject } from "../../src/validate/policies.js";
import { PRODUCTION_POLICY_CONTEXT } from "../helpers.js";

type Mutable = Record<string, any>;

const context: PolicyContext = PRODUCTION_POLICY_CONTEXT;

/** The base as kustomize would render it for a production environment: pinned images, the ConfigMap present. */
function renderedBase(): Mutable[] {
  const objects = baseResources(argusBase()).map((resource) => structuredClone(resource.object) as Mutable);
  for (const object of objects) {
    for (const container of object["spec"]?.template?.spec?.containers ?? []) container.image = container.image.replace(":latest", ":1.4.2");
  }
  objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "argusai-config" }, data: { LOG_LEVEL: "INFO" } });
  return objects;
}

const backendPod = (objects: Mutable[]) =>
  objects.find((object) => object["metadata"].name === "argusai-backend" && object["kind"] === "Deployment")!["spec"].template.spec;
const backend = (objects: Mutable[]) => backendPod(objects).containers[0];

/** policy id → how to break the base for it, and the field the violation must name. */
const BREAKS: Record<string, { field: string; breakIt: (objects: Mutable[]) => void; context?: Partial<PolicyContext> }> = {
  "pss-run-as-non-root": {
    field: "spec.template.spec.containers.0.securityContext.runAsNonRoot",
    breakIt: (o) => void (backendPod(o).securityContext.runAsNonRoot = false),
  },
  "pss-run-as-user": { field: "spec.template.spec.containers.0.securityContext.runAsUser", breakIt: (o) => void (backend(o).securityContext.runAsUser = 0) },
  "pss-seccomp": {
    field: "spec.template.spec.containers.0.securityContext.seccompProfile.type",
    breakIt: (o) => void (backendPod(o).securityContext.seccompProfile = { type: "Unconfined" }),
  },
  "pss-privilege-escalation": {
    field: "spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation",
    breakIt: (o) => void delete backend(o).securityContext.allowPrivilegeEscalation,
  },
  "pss-capabilities": {
    field: "spec.template.spec.containers.0.securityContext.capabilities.add",
    breakIt: (o) => void (backend(o).securityContext.capabilities.add = ["NET_ADMIN"]),
  },
  "pss-privileged": { field: "spec.template.spec.hostNetwork", breakIt: (o) => void (backendPod(o).hostNetwork = true) },
  "pss-host-ports": { field: "spec.template.spec.containers.0.ports.0.hostPort", breakIt: (o) => void (backend(o).ports[0].hostPort = 8000) },
  "pss-volume-types": {
    field: "spec.template.spec.volumes.1.hostPath",
    breakIt: (o) => void backendPod(o).volumes.push({ name: "host", hostPath: { path: "/var/run" } }),
  },
  resources: { field: "spec.template.spec.containers.0.resources.limits.memory", breakIt: (o) => void delete backend(o).resources.limits.memory },
  probes: { field: "spec.template.spec.containers.0.readinessProbe", breakIt: (o) => void delete backend(o).readinessProbe },
  "service-selector": { field: "spec.selector", breakIt: (o) => void (o.find((x) => x["kind"] === "Service")!["spec"].selector.component = "api") },
  "service-target-port": {
    field: "spec.ports.0.targetPort",
    breakIt: (o) => void (o.find((x) => x["kind"] === "Service")!["spec"].ports[0].targetPort = "metrics"),
  },
  references: { field: "spec.template.spec.containers.0.envFrom.1.secretRef.name", breakIt: () => undefined, context: { externalSecrets: [] } },
  "single-writer": {
    field: "spec.strategy.type",
    breakIt: (o) => void (o.find((x) => x["metadata"].name === "argusai-backend" && x["kind"] === "Deployment")!["spec"].strategy = { type: "RollingUpdate" }),
  },
  "images-pinned": { field: "spec.template.spec.containers.0.image", breakIt: (o) => void (backend(o).image = "ghcr.io/bbengt1/argusai-backend:latest") },
  "pod-template": { field: "spec.template.spec.containers.0.name", breakIt: (o) => void delete backend(o).name },
  "workload-selector": {
    field: "spec.selector",
    breakIt: (o) => void (o.find((x) => x["metadata"].name === "argusai-backend" && x["kind"] === "Deployment")!["spec"].selector.matchLabels.tier = "db"),
  },
  "argocd-keeps-data": {
    field: "metadata.annotations.argocd.argoproj.io/sync-options",
    breakIt: (o) => void (o.find((x) => x["kind"] === "PersistentVolumeClaim")!["metadata"].annotations["argocd.argoproj.io/sync-options"] = "Prune=false"),
  },
  "api-required-fields": {
    field: "spec.accessModes",
    breakIt: (o) => void delete o.find((x) => x["kind"] === "PersistentVolumeClaim")!["spec"].accessModes,
  },
  "route-backends": {
    field: "spec.rules.0.backendRefs.0.port",
    breakIt: (o) =>
      void o.push({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "argusai" },
        spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "argusai-frontend", port: 80 }] }] },
      }),
  },
  "no-secret-literals": {
    field: "stringData",
    breakIt: (o) => void o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "argusai-secrets" }, stringData: { JWT_SECRET_KEY: "x" } }),
  },
  // Monitoring: a ServiceMonitor that selects no Service; one whose pods a NetworkPolicy closes to Prometheus.
  "servicemonitor-target": {
    field: "spec.selector",
    breakIt: (o) =>
      void o.push({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "m" },
        spec: { selector: { matchLabels: { component: "api" } }, endpoints: [{ port: "http" }] },
      }),
  },
  "servicemonitor-network-policy": {
    field: "spec.ingress",
    breakIt: (o) =>
      void o.push(
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: { name: "m" },
          spec: { selector: { matchLabels: { component: "backend" } }, endpoints: [{ port: "http" }] },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "argusai-backend" },
          spec: {
            podSelector: { matchLabels: { component: "backend" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ port: "http" }] }],
          },
        },
      ),
    context: { monitoringNamespace: "monitoring" },
  },
};

describe("policies", () => {
  it("the base passes every policy", () => {
    expect(policyViolations(renderedBase(), context)).toEqual([]);
  });

  it("has a violating case for every policy id, and ids are unique", () => {
    const ids = POLICIES.map((policy) => policy.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(BREAKS).sort()).toEqual([...ids].sort());
  });

  it.each(POLICIES.map((policy) => [policy.id] as const))("%s: a manifest that breaks it is reported, with the field and a fix", (id) => {
    const { field, breakIt, context: changed } = BREAKS[id]!;
    const objects = renderedBase();
    breakIt(objects);
    const violations = policyViolations(objects as RenderedObject[], { ...context, ...changed });
    expect(violations.map((violation) => `${violation.policy} ${violation.field}`)).toContain(`${id} ${field}`);
    expect(violations.every((violation) => violation.fix.length > 0)).toBe(true);
    // Nothing else breaks from this one change (references aside, which the same change affects).
    expect(new Set(violations.map((violation) => violation.policy))).toEqual(new Set([id]));
  });

  it("pss-run-as-user checks the pod's value even when every container overrides it", () => {
    const objects = renderedBase();
    backendPod(objects).securityContext.runAsUser = 0;
    backend(objects).securityContext.runAsUser = 1000;
    expect(policyViolations(objects as RenderedObject[], context).map((violation) => `${violation.policy} ${violation.field}`)).toEqual([
      "pss-run-as-user spec.template.spec.securityContext.runAsUser",
    ]);
  });

  it("references also follow projected volumes", () => {
    const objects = renderedBase();
    backendPod(objects).volumes.push({ name: "certs", projected: { sources: [{ secret: { name: "argusai-certs" } }] } });
    expect(policyViolations(objects as RenderedObject[], context).map((violation) => `${violation.policy} ${violation.field}`)).toEqual([
      "references spec.template.spec.volumes.1.projected.sources.0.secret.name",
    ]);
  });

  it("images-pinned and no-secret-literals only apply to production environments", () => {
    const objects = renderedBase();
    BREAKS["images-pinned"]!.breakIt(objects);
    BREAKS["no-secret-literals"]!.breakIt(objects);
    expect(policyViolations(objects as RenderedObject[], { ...context, production: false })).toEqual([]);
  });

  it("accepts a digest as pinned and an image without a tag as not pinned", () => {
    const digest = renderedBase();
    backend(digest).image = `ghcr.io/bbengt1/argusai-backend@sha256:${"c".repeat(64)}`;
    expect(policyViolations(digest as RenderedObject[], context)).toEqual([]);
    const untagged = renderedBase();
    backend(untagged).image = "localhost:5000/argusai-backend";
    expect(policyViolations(untagged as RenderedObject[], context).map((violation) => violation.policy)).toEqual(["images-pinned"]);
  });
});
