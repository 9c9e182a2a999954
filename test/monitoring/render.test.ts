/**
 * examples/monitoring.yaml, rendered by the real kubectl kustomize and by the standalone
 * kustomize 5.8.1 Argo CD runs (scripts/fetch-renderers.sh): the ServiceMonitor and the
 * PrometheusRule asserted field by field on each renderer's output, schema-checked against their
 * CRDs, and linked: the ServiceMonitor selects exactly the backend Service, by its port, and the
 * NetworkPolicy lets Prometheus reach it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { environmentSourceFromText } from "../../src/model/environment-file.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { generate } from "../../src/index.js";
import { kustomizeRenderer, renderKustomization, type Renderer } from "../../src/render/kustomize.js";
import { policyContextOf, validateRendered } from "../../src/validate/validate.js";
import { renderer as reference, tempDir, type KObject } from "../helpers.js";

const REQUIRE_ALL = ["CI", "ARGUSAI_CI", "ARGUSAI_REQUIRE_ALL_RENDERERS"].some((name) => Boolean(process.env[name]));
const EXAMPLE = path.resolve("examples/monitoring.yaml");
const spec = environmentSourceFromText(readFileSync(EXAMPLE, "utf8"), EXAMPLE).spec as EnvironmentSpec;
const NS = "argusai-monitored";

/** kustomize 5.8.1 (Debian sid) from the renderers' manifest, when fetched. */
function kustomize581(): Renderer | undefined {
  const manifest = path.join(process.env["ARGUSAI_RENDERERS_DIR"] ?? path.resolve(".cache/renderers"), "renderers.json");
  if (!existsSync(manifest)) return undefined;
  const entries = JSON.parse(readFileSync(manifest, "utf8")) as Array<{ package: string; version: string; binary: string }>;
  const entry = entries.find((candidate) => candidate.package === "kustomize" && candidate.version.startsWith("5.8.1") && existsSync(candidate.binary));
  return entry === undefined ? undefined : kustomizeRenderer(entry.binary);
}

const standalone = kustomize581();
const renderers: Array<{ name: string; renderer: Renderer | undefined }> = [
  { name: "kubectl kustomize", renderer: reference },
  { name: "kustomize 5.8.1", renderer: standalone },
];

let overlay: string;
beforeAll(async () => {
  const dir = await tempDir("argusai-monitoring-");
  await generate({ dir, renderer: reference, envFiles: [EXAMPLE] });
  overlay = path.join(dir, "overlays", "monitored");
});

describe.each(renderers)("monitoring, rendered by $name", ({ name, renderer }) => {
  if (renderer === undefined && REQUIRE_ALL) {
    it("is installed", () => expect.fail(`${name} is required in CI: run scripts/fetch-renderers.sh`));
    return;
  }
  let objects: KObject[];
  const byKind = (kind: string) => {
    const found = objects.filter((object) => object["kind"] === kind);
    expect(found, kind).toHaveLength(1);
    return found[0]!;
  };
  beforeAll(async () => {
    if (renderer === undefined) return;
    const rendered = await renderKustomization(overlay, renderer);
    expect(rendered.warnings).toEqual([]);
    objects = parseAllDocuments(rendered.yaml).map((document) => document.toJS() as KObject);
  });

  it.skipIf(renderer === undefined)("writes the ServiceMonitor: the backend Service's http port, /metrics, in this namespace only", () => {
    expect(byKind("ServiceMonitor")).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: {
        name: "argusai-backend",
        namespace: NS,
        labels: {
          app: "argusai",
          "app.kubernetes.io/name": "argusai",
          "app.kubernetes.io/part-of": "argusai",
          environment: "monitored",
          release: "kube-prometheus-stack",
        },
      },
      spec: {
        selector: { matchLabels: { app: "argusai", component: "backend", environment: "monitored" } },
        namespaceSelector: { matchNames: [NS] },
        endpoints: [{ port: "http", path: "/metrics", scheme: "http", interval: "30s", scrapeTimeout: "10s" }],
      },
    });
  });

  it.skipIf(renderer === undefined)("selects exactly the backend Service, whose http port targets the backend container's port 8000", () => {
    const monitor = byKind("ServiceMonitor");
    const selected = objects.filter(
      (object) =>
        object["kind"] === "Service" &&
        monitor["spec"].namespaceSelector.matchNames.includes(object["metadata"].namespace) &&
        Object.entries(monitor["spec"].selector.matchLabels as Record<string, string>).every(([key, value]) => object["metadata"].labels?.[key] === value),
    );
    expect(selected.map((service) => service["metadata"].name)).toEqual(["argusai-backend"]);
    const port = selected[0]!["spec"].ports.find((candidate: { name: string }) => candidate.name === monitor["spec"].endpoints[0].port);
    expect(port).toEqual({ name: "http", port: 8000, targetPort: "http", protocol: "TCP" });
    const backend = objects.find((object) => object["kind"] === "Deployment" && object["metadata"].name === "argusai-backend")!;
    expect(backend["spec"].template.spec.containers[0].ports).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
  });

  it.skipIf(renderer === undefined)("lets Prometheus' namespace reach the backend's http port through the NetworkPolicy", () => {
    const policy = objects.find((object) => object["kind"] === "NetworkPolicy" && object["metadata"].name === "argusai-backend")!;
    expect(policy["spec"].ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { app: "argusai", component: "frontend" } } },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ],
        ports: [{ port: "http", protocol: "TCP" }],
      },
    ]);
  });

  it.skipIf(renderer === undefined)("writes the PrometheusRule: recording rules, then the enabled alerts with this environment's tuning and namespace", () => {
    const rule = byKind("PrometheusRule");
    expect(rule["metadata"]).toEqual({
      name: "argusai",
      namespace: NS,
      labels: {
        app: "argusai",
        "app.kubernetes.io/name": "argusai",
        "app.kubernetes.io/part-of": "argusai",
        environment: "monitored",
        release: "kube-prometheus-stack",
      },
    });
    const [recording, alerting] = rule["spec"].groups;
    expect(rule["spec"].groups).toHaveLength(2);
    expect(recording.name).toBe("argusai.rules");
    expect(recording.rules.map((entry: { record: string }) => entry.record)).toEqual([
      "argusai:http_requests:rate5m",
      "argusai:http_requests_5xx:rate5m",
      "argusai:http_requests_5xx:ratio_rate5m",
      "argusai:ai_api_duration_seconds:p95_rate5m",
    ]);
    expect(recording.rules[1]).toEqual({
      record: "argusai:http_requests_5xx:rate5m",
      expr: `sum by (namespace, job) (rate(http_requests_total{namespace="${NS}", job="argusai-backend", status_code=~"5.."}[5m]))`,
    });
    expect(alerting.name).toBe("argusai.alerts");
    const alerts = new Map<string, KObject>(alerting.rules.map((entry: KObject) => [entry["alert"], entry]));
    expect([...alerts.keys()]).toEqual([
      "ArgusAIBackendDown",
      "ArgusAIBackendAbsent",
      "ArgusAIHighHTTPErrorRatio",
      "ArgusAISlowAIResponses",
      "ArgusAIEventQueueBacklog",
      "ArgusAIEventQueueFull",
      "ArgusAICircuitBreakerOpen",
      "ArgusAIBackendMemoryHigh",
    ]);
    expect(alerts.get("ArgusAIHighHTTPErrorRatio")).toEqual({
      alert: "ArgusAIHighHTTPErrorRatio",
      expr: `argusai:http_requests_5xx:ratio_rate5m{namespace="${NS}", job="argusai-backend"} > 0.02`,
      for: "15m",
      labels: { team: "vision", severity: "warning" },
      annotations: {
        summary: "The ArgusAI backend answers too many requests with 5xx",
        description:
          "{{ $value | humanizePercentage }} of the requests to the backend in {{ $labels.namespace }} failed with a 5xx status code over the last 5 minutes.",
      },
    });
    expect(alerts.get("ArgusAIBackendDown")).toMatchObject({
      expr: `up{namespace="${NS}", job="argusai-backend"} == 0`,
      for: "2m",
      labels: { team: "vision", severity: "critical" },
    });
    expect(alerts.get("ArgusAIEventQueueFull")).toMatchObject({
      expr: `max by (namespace, job) (event_queue_depth{namespace="${NS}", job="argusai-backend"}) > 200`,
      for: "1m",
      labels: { severity: "page" },
    });
    expect(alerts.get("ArgusAIBackendMemoryHigh")!["expr"]).toBe(
      `max by (namespace, pod) (container_memory_working_set_bytes{namespace="${NS}", container="backend", image!=""}) / max by (namespace, pod) (kube_pod_container_resource_limits{namespace="${NS}", container="backend", resource="memory"}) > 0.9`,
    );
  });

  it.skipIf(renderer === undefined)("passes the CRDs' schemas and every policy, the ServiceMonitor links included", async () => {
    expect(await validateRendered(objects, policyContextOf(spec))).toEqual([]);
  });
});
