/**
 * The rules read only what the application (and Prometheus, cAdvisor, kube-state-metrics) really
 * export: every metric a rule uses is in the one table of src/model/metrics.ts, and every label a
 * rule filters, groups or joins on is one that metric has, checked by parsing each expression with
 * Prometheus' own PromQL grammar. Upstream's broken 5xx rule is the test that the check can fail.
 */
import { describe, expect, it } from "vitest";
import { ARGUSAI_COMPONENTS } from "../../src/model/components.js";
import { METRIC_FAMILIES, METRIC_SERIES, TARGET_LABELS } from "../../src/model/metrics.js";
import { ALERTS, RECORDING_RULES } from "../../src/model/monitoring-rules.js";
import { prometheusRule, serviceMonitor } from "../../src/kustomize/monitoring-objects.js";
import { checkLabels } from "./promql-labels.js";

const NS = "argusai-rules";
const target = { environment: "rules", namespace: NS, monitoring: {} };
const rendered = prometheusRule(ARGUSAI_COMPONENTS, target);
const rules = rendered.spec.groups.flatMap((group) => group.rules);

/** Metric series plus the recorded series, each with the labels its rule's result carries. */
function seriesWithRecorded(): Map<string, readonly string[]> {
  const series = new Map(METRIC_SERIES);
  for (const rule of rules.filter((candidate) => candidate.record !== undefined)) {
    const check = checkLabels(rule.expr, series);
    series.set(rule.record!, [...(check.result ?? [])]);
  }
  return series;
}
const SERIES = seriesWithRecorded();

describe("the metric table", () => {
  it("names each family once, and counters end in _total as prometheus_client exposes them", () => {
    const names = METRIC_FAMILIES.map((family) => family.name);
    expect(new Set(names).size).toBe(names.length);
    for (const family of METRIC_FAMILIES.filter((candidate) => candidate.type === "counter")) expect(family.name).toMatch(/_total$/);
  });

  it("gives http_requests_total the status_code label, not status", () => {
    expect(METRIC_SERIES.get("http_requests_total")).toEqual(["method", "path", "status_code", ...TARGET_LABELS]);
    expect(METRIC_SERIES.get("ai_api_duration_seconds_bucket")).toEqual(["provider", "model", ...TARGET_LABELS, "le"]);
  });
});

describe("every rule's PromQL", () => {
  it.each(rules.map((rule) => [rule.record ?? rule.alert!, rule.expr]))("%s reads known metrics by labels they have", (_name, expr) => {
    const check = checkLabels(expr, SERIES);
    expect(check.problems).toEqual([]);
    expect(check.metrics.length).toBeGreaterThan(0);
  });

  it.each(rules.map((rule) => [rule.record ?? rule.alert!, rule.expr]))("%s selects this environment's namespace in every selector", (_name, expr) => {
    for (const selector of checkLabels(expr, SERIES).selectors) expect(selector.equals["namespace"], selector.metric).toBe(NS);
  });

  it("reads the backend's own series from its scrape job (the Service name), the container ones by container name", () => {
    const selectors = rules.flatMap((rule) => checkLabels(rule.expr, SERIES).selectors);
    for (const selector of selectors) {
      const source = METRIC_FAMILIES.find((family) => selector.metric.startsWith(family.name.replace(/_total$/, "")))?.source;
      if (source === "cadvisor" || source === "kube-state-metrics") expect(selector.equals["container"], selector.metric).toBe("backend");
      else expect(selector.equals["job"], selector.metric).toBe("argusai-backend");
    }
  });

  it("records each series with the labels its definition says it keeps", () => {
    for (const definition of RECORDING_RULES) expect([...SERIES.get(definition.record)!].sort(), definition.record).toEqual([...definition.keeps].sort());
  });

  it("leaves every alert with the namespace label, so a shared Alertmanager can route per environment", () => {
    for (const rule of rules.filter((candidate) => candidate.alert !== undefined)) {
      expect(checkLabels(rule.expr, SERIES).result?.has("namespace"), rule.alert).toBe(true);
    }
  });
});

describe("the label check itself", () => {
  it("finds upstream's 5xx rule broken: it filters on status, which http_requests_total does not have", () => {
    const upstream = 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
    expect(checkLabels(upstream, SERIES).problems).toEqual([expect.stringContaining("http_requests_total: status is not a label of the series there")]);
  });

  it("finds an unknown metric, a by label the series lost, and sides of a division that cannot match", () => {
    expect(checkLabels("rate(http_request_total[5m])", SERIES).problems).toEqual(["http_request_total is not a metric in the table"]);
    expect(checkLabels("sum by (namespace) (sum by (job) (event_queue_depth))", SERIES).problems).toEqual([
      expect.stringContaining("sum by: namespace is not a label"),
    ]);
    expect(checkLabels("sum by (job) (event_queue_depth) / sum by (namespace) (cameras_total)", SERIES).problems).toEqual([
      expect.stringContaining("Div: its sides carry different labels"),
    ]);
    expect(checkLabels("histogram_quantile(0.9, sum by (job) (rate(ai_api_duration_seconds_bucket[5m])))", SERIES).problems).toEqual([
      "histogram_quantile: its argument has no le label",
    ]);
  });
});

describe("every alert", () => {
  it("has a summary, a description, a for and a severity, and a unique name", () => {
    expect(new Set(ALERTS.map((alert) => alert.alert)).size).toBe(ALERTS.length);
    for (const rule of rules.filter((candidate) => candidate.alert !== undefined)) {
      expect(rule.annotations?.["summary"]).toMatch(/\w/);
      expect(rule.annotations?.["description"]).toMatch(/\{\{ \$labels\.namespace \}\}/);
      expect(rule.for).toMatch(/^\d+m$/);
      expect(["warning", "critical"]).toContain(rule.labels?.["severity"]);
    }
  });

  it("takes an operator's threshold, for, severity, labels and on/off", () => {
    const tuned = prometheusRule(ARGUSAI_COMPONENTS, {
      ...target,
      monitoring: {
        alertLabels: { team: "vision" },
        alerts: { ArgusAIEventQueueBacklog: { threshold: 80, for: "10m", severity: "info" }, ArgusAIBackendAbsent: { enabled: false } },
      },
    });
    const alerts = tuned.spec.groups[1]!.rules;
    expect(alerts.map((rule) => rule.alert)).not.toContain("ArgusAIBackendAbsent");
    expect(alerts.find((rule) => rule.alert === "ArgusAIEventQueueBacklog")).toMatchObject({
      expr: `max by (namespace, job) (event_queue_depth{namespace="${NS}", job="argusai-backend"}) > 80`,
      for: "10m",
      labels: { team: "vision", severity: "info" },
    });
    expect(alerts.find((rule) => rule.alert === "ArgusAIBackendDown")?.labels).toEqual({ team: "vision", severity: "critical" });
  });

  it("with every alert off, the PrometheusRule keeps only the recording rules", () => {
    const off = Object.fromEntries(ALERTS.map((alert) => [alert.alert, { enabled: false }]));
    expect(prometheusRule(ARGUSAI_COMPONENTS, { ...target, monitoring: { alerts: off } }).spec.groups.map((group) => group.name)).toEqual(["argusai.rules"]);
  });
});

describe("the ServiceMonitor", () => {
  it("scrapes the component whose route is the metrics opt-in, at that route's path", () => {
    const monitor = serviceMonitor(ARGUSAI_COMPONENTS, target);
    const backend = ARGUSAI_COMPONENTS.find((component) => component.routes?.some((route) => route.optIn === "metrics"))!;
    expect(monitor.metadata.name).toBe(backend.deploymentName);
    expect(monitor.spec.endpoints).toEqual([{ port: "http", path: "/metrics", scheme: "http" }]);
    expect(() => serviceMonitor([ARGUSAI_COMPONENTS[1]], target)).toThrow(/no component of the registry serves metrics/);
  });
});
