/**
 * Every policy reads rendered objects defensively: whatever an escape-hatch patch or a hand edit
 * left (a missing pod spec, a list where a mapping belongs, null anywhere), a policy reports a
 * violation or nothing, and never throws. Property-tested with fast-check on (a) the real base
 * with any one value anywhere replaced by odd JSON, and (b) objects of every kind the policies read
 * built from Kubernetes field names with arbitrary values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { argusBase, baseResources } from "../../src/model/base.js";
import { policyViolations, type PolicyContext, type RenderedObject } from "../../src/validate/policies.js";
import { PRODUCTION_POLICY_CONTEXT, runEveryPolicy } from "../helpers.js";

const context: PolicyContext = PRODUCTION_POLICY_CONTEXT;
const SEED = Number(process.env["FUZZ_SEED"] ?? 20261214);

const base = (): Record<string, unknown>[] => [
  ...baseResources(argusBase()).map((resource) => structuredClone(resource.object) as unknown as Record<string, unknown>),
  {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "argusai-staging", annotations: { "argocd.argoproj.io/sync-options": "Prune=false,Delete=false" } },
  },
];

/** Every path to a value inside `value`. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => paths(item, [...prefix, index]))];
  if (typeof value === "object" && value !== null) return [prefix, ...Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key]))];
  return [prefix];
}

function replaceAt(root: Record<string, unknown>, path: ReadonlyArray<string | number>, value: unknown): void {
  let current: any = root;
  for (const key of path.slice(0, -1)) current = current[key];
  current[path.at(-1)!] = value;
}

const odd = fc.oneof(fc.constantFrom(null, {}, [], "", "x", 0, -1, 1.5, true, [null], [1], ["ALL"], [{}], { name: 1 }, "ALL"), fc.jsonValue({ maxDepth: 3 }));

const FIELDS = [
  "spec",
  "template",
  "metadata",
  "labels",
  "annotations",
  "name",
  "containers",
  "initContainers",
  "image",
  "ports",
  "containerPort",
  "hostPort",
  "volumes",
  "securityContext",
  "capabilities",
  "drop",
  "add",
  "runAsNonRoot",
  "runAsUser",
  "seccompProfile",
  "type",
  "env",
  "envFrom",
  "valueFrom",
  "configMapRef",
  "secretRef",
  "configMap",
  "secret",
  "persistentVolumeClaim",
  "projected",
  "sources",
  "selector",
  "matchLabels",
  "matchExpressions",
  "targetPort",
  "port",
  "resources",
  "requests",
  "limits",
  "strategy",
  "replicas",
  "scaleTargetRef",
  "kind",
  "jobTemplate",
  "data",
  "stringData",
  "livenessProbe",
  "readinessProbe",
  "hostNetwork",
  "privileged",
  "allowPrivilegeEscalation",
  "key",
  "operator",
  "values",
  "endpoints",
  "namespaceSelector",
  "matchNames",
  "any",
  "podSelector",
  "policyTypes",
  "ingress",
  "from",
  "accessModes",
  "storage",
  "rules",
  "http",
  "paths",
  "path",
  "pathType",
  "backend",
  "defaultBackend",
  "service",
  "resource",
  "number",
  "maxReplicas",
  "minReplicas",
  "minAvailable",
  "maxUnavailable",
  "clusterIP",
];
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), tie("node"), fc.array(tie("tree"), { maxLength: 3 })),
  node: fc.dictionary(fc.constantFrom(...FIELDS), tie("tree"), { maxKeys: 5 }),
}));
const KINDS = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Pod",
  "Service",
  "PersistentVolumeClaim",
  "Namespace",
  "Secret",
  "ConfigMap",
  "HorizontalPodAutoscaler",
  "ServiceMonitor",
  "NetworkPolicy",
  "Ingress",
  "PodDisruptionBudget",
];
const object = fc.record({ apiVersion: fc.constantFrom("v1", "apps/v1"), kind: fc.constantFrom(...KINDS), metadata: tree, spec: tree, data: tree });

describe("policies never throw", () => {
  it("on the base with any one value replaced by odd JSON", () => {
    const objects = base();
    const all = objects.flatMap((item, index) =>
      paths(item)
        .filter((path) => path.length > 0)
        .map((path) => [index, path] as const),
    );
    fc.assert(
      fc.property(fc.constantFrom(...all), odd, ([index, path], value) => {
        const broken = base();
        replaceAt(broken[index]!, path, value);
        expect(() => policyViolations(broken as RenderedObject[], context)).not.toThrow();
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it("on objects of every kind built from Kubernetes field names with arbitrary values, for each policy alone", () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 4 }), fc.boolean(), (objects, production) => {
        runEveryPolicy(objects as RenderedObject[], { ...context, production });
      }),
      { numRuns: 1500, seed: SEED },
    );
  });

  it("replace /spec/template/spec with {}: a pod-template violation with a clear message, not 'Cannot read properties of undefined'", () => {
    const objects = base();
    const backend = objects.find((item) => item["kind"] === "Deployment" && (item["metadata"] as { name: string }).name === "argusai-backend")!;
    (backend["spec"] as { template: { spec: unknown } }).template.spec = {};
    expect(
      policyViolations(objects as RenderedObject[], { ...context, production: false }).map(
        (violation) => `${violation.policy} ${violation.object} ${violation.field}: ${violation.message}`,
      ),
    ).toEqual([
      "service-target-port Service/argusai-backend spec.ports.0.targetPort: http is not a port of the selected pods",
      "pod-template Deployment/argusai-backend spec.template.spec.containers: is missing or empty: a pod needs at least one container",
    ]);
  });

  it("a Deployment with no template at all: a pod-template violation", () => {
    const objects = base();
    const frontend = objects.find((item) => item["kind"] === "Deployment" && (item["metadata"] as { name: string }).name === "argusai-frontend")!;
    delete (frontend["spec"] as { template?: unknown }).template;
    const violations = policyViolations(objects as RenderedObject[], context).map((violation) => `${violation.policy} ${violation.object} ${violation.field}`);
    expect(violations).toContain("pod-template Deployment/argusai-frontend spec.template.spec");
    expect(violations).toContain("service-selector Service/argusai-frontend spec.selector");
  });

  it("selectors are evaluated as the API server does (matchExpressions included)", () => {
    const objects = base();
    const frontend = objects.find((item) => item["kind"] === "Deployment" && (item["metadata"] as { name: string }).name === "argusai-frontend")! as any;
    frontend.spec.selector = { matchLabels: { app: "argusai" }, matchExpressions: [{ key: "component", operator: "In", values: ["frontend", "web"] }] };
    expect(policyViolations(objects as RenderedObject[], context).filter((violation) => violation.policy === "workload-selector")).toEqual([]);
    frontend.spec.selector.matchExpressions = [{ key: "component", operator: "NotIn", values: ["frontend"] }];
    expect(
      policyViolations(objects as RenderedObject[], context)
        .filter((violation) => violation.policy === "workload-selector")
        .map((violation) => violation.object),
    ).toEqual(["Deployment/argusai-frontend"]);
    frontend.spec.selector = {};
    expect(
      policyViolations(objects as RenderedObject[], context)
        .filter((violation) => violation.policy === "workload-selector")
        .map((violation) => violation.message),
    ).toEqual(["is empty: it would select every pod of the namespace (the API server refuses it)"]);
  });
});
