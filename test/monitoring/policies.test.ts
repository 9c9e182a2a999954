/**
 * The policies that link a ServiceMonitor to what it scrapes, on a real render of
 * examples/monitoring.yaml, then on copies broken one way at a time.
 */
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/index.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { policyViolations, type PolicyContext } from "../../src/validate/policies.js";
import { renderer, tempDir, type KObject } from "../helpers.js";

let objects: KObject[];
const CONTEXT: PolicyContext = {
  production: true,
  externalSecrets: ["argusai-secrets"],
  externalConfigMaps: [],
  externalClaims: [],
  singleWriters: ["argusai-backend"],
  monitoringNamespace: "monitoring",
};
const MONITORING = ["servicemonitor-target", "servicemonitor-network-policy"];

beforeAll(async () => {
  const dir = await tempDir("argusai-monitoring-policies-");
  await generate({ dir, renderer, envFiles: [path.resolve("examples/monitoring.yaml")] });
  const rendered = await renderKustomization(path.join(dir, "overlays", "monitored"), renderer);
  objects = parseAllDocuments(rendered.yaml).map((document) => document.toJS() as KObject);
});

/** The monitoring policies' violations of a copy changed by `change`, as "policy object field: message". */
function brokenBy(change: (copy: KObject[]) => void, context: PolicyContext = CONTEXT): string[] {
  const copy = structuredClone(objects);
  change(copy);
  return policyViolations(copy, context)
    .filter((violation) => MONITORING.includes(violation.policy))
    .map((violation) => `${violation.policy} ${violation.object} ${violation.field}: ${violation.message}`);
}
const find = (copy: KObject[], kind: string, name: string) => copy.find((object) => object["kind"] === kind && object["metadata"].name === name)!;

describe("the ServiceMonitor policies", () => {
  it("find nothing wrong with the rendered example", () => {
    expect(brokenBy(() => {})).toEqual([]);
  });

  it("report a selector that matches no Service, or both, and a port name the Service lacks", () => {
    expect(brokenBy((copy) => (find(copy, "ServiceMonitor", "argusai-backend")["spec"].selector.matchLabels.environment = "prod"))).toEqual([
      "servicemonitor-target ServiceMonitor/argusai-backend spec.selector: selects no Service of the overlay",
    ]);
    expect(brokenBy((copy) => (find(copy, "ServiceMonitor", "argusai-backend")["spec"].selector.matchLabels = { app: "argusai" }))).toEqual([
      "servicemonitor-target ServiceMonitor/argusai-backend spec.selector: selects 2 Services (argusai-backend, argusai-frontend); Prometheus would scrape each",
    ]);
    expect(brokenBy((copy) => (find(copy, "ServiceMonitor", "argusai-backend")["spec"].endpoints[0].port = "metrics"))).toEqual([
      "servicemonitor-target ServiceMonitor/argusai-backend spec.endpoints.0.port: metrics is not a port name of Service/argusai-backend",
      "servicemonitor-network-policy NetworkPolicy/argusai-backend spec.ingress: does not let namespace monitoring reach the port ServiceMonitor/argusai-backend scrapes",
    ]);
    expect(brokenBy((copy) => (find(copy, "ServiceMonitor", "argusai-backend")["spec"].namespaceSelector.matchNames = ["argusai"]))).toEqual([
      "servicemonitor-target ServiceMonitor/argusai-backend spec.selector: selects no Service of the overlay",
    ]);
  });

  it("report a NetworkPolicy that keeps Prometheus out, or an environment that never said where Prometheus runs", () => {
    expect(
      brokenBy((copy) => {
        const from = find(copy, "NetworkPolicy", "argusai-backend")["spec"].ingress[0].from as KObject[];
        from.splice(
          from.findIndex((peer) => peer["namespaceSelector"]?.matchLabels["kubernetes.io/metadata.name"] === "monitoring"),
          1,
        );
      }),
    ).toEqual([
      "servicemonitor-network-policy NetworkPolicy/argusai-backend spec.ingress: does not let namespace monitoring reach the port ServiceMonitor/argusai-backend scrapes",
    ]);
    const { monitoringNamespace: _, ...undeclared } = CONTEXT;
    expect(brokenBy(() => {}, undeclared)).toEqual([
      "servicemonitor-network-policy NetworkPolicy/argusai-backend spec.ingress: restricts the pods ServiceMonitor/argusai-backend scrapes, and no monitoring namespace is declared to let Prometheus in",
    ]);
    // Without any NetworkPolicy, nothing keeps Prometheus out.
    expect(brokenBy((copy) => copy.splice(0, copy.length, ...copy.filter((object) => object["kind"] !== "NetworkPolicy")), undeclared)).toEqual([]);
  });
});
