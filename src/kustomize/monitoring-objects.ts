import { ArgusKustomizeError } from "../errors.js";
import type { KubeObject } from "../model/base.js";
import type { ComponentDefinition } from "../model/components.js";
import { selectorLabels, sharedLabels } from "../model/labels.js";
import { ALERTS, RECORDING_RULES, type RuleScope } from "../model/monitoring-rules.js";
import { alertSettings, type MonitoringSpec } from "../model/monitoring-spec.js";

/*
 * The objects of an environment's `monitoring` (prometheus-operator's monitoring.coreos.com/v1):
 * a ServiceMonitor that scrapes exactly this environment's metrics Service, and a PrometheusRule
 * whose every expression selects this environment's namespace and scrape job.
 */

/** The PrometheusRule's name (the ServiceMonitor is named after the Service it scrapes). */
export const MONITORING_NAMES = { prometheusRule: "argusai" } as const;

export interface ServiceMonitor extends KubeObject {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "ServiceMonitor";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: Array<{ port: string; path: string; scheme: "http"; interval?: string; scrapeTimeout?: string }>;
  };
}

export interface PrometheusRuleRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusRule extends KubeObject {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "PrometheusRule";
  metadata: { name: string; labels: Record<string, string> };
  spec: { groups: Array<{ name: string; rules: PrometheusRuleRule[] }> };
}

/** What the monitoring objects of one environment need to know of it. */
export interface MonitoringTarget {
  readonly environment: string;
  readonly namespace: string;
  readonly monitoring: MonitoringSpec;
}

/**
 * The component that serves Prometheus metrics: the one whose routes include the metrics opt-in
 * (in ArgusAI, the backend's /metrics), with that route's path.
 *
 * @throws ArgusKustomizeError INVALID_SPEC when no component of the registry serves metrics
 */
export function metricsComponent(
  components: readonly ComponentDefinition[],
  environment: string,
): { component: ComponentDefinition & { port: number }; path: string } {
  for (const component of components) {
    const route = component.routes?.find((candidate) => candidate.optIn === "metrics");
    if (route !== undefined && component.port !== undefined) return { component: component as ComponentDefinition & { port: number }, path: route.path };
  }
  throw new ArgusKustomizeError("INVALID_SPEC", "monitoring is set, but no component of the registry serves metrics (a route with optIn: metrics)", {
    location: { environment, field: "monitoring" },
  });
}

/** The scope every rule of an environment selects: its namespace and the metrics Service's scrape job. */
export function ruleScope(component: ComponentDefinition, namespace: string): RuleScope {
  return { namespace, job: component.deploymentName, container: component.name };
}

/**
 * The ServiceMonitor: the metrics component's Service by its selector labels and this
 * environment's label, in this environment's namespace only, on the Service port named `http`.
 */
export function serviceMonitor(components: readonly ComponentDefinition[], target: MonitoringTarget): ServiceMonitor {
  const { component, path } = metricsComponent(components, target.environment);
  const { interval, scrapeTimeout, labels } = target.monitoring;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: component.deploymentName, labels: { ...labels, ...sharedLabels() } },
    spec: {
      // The environment label comes from the overlay's `labels` (on every object): with it, a
      // Service of the same component from another overlay can never be selected.
      selector: { matchLabels: { ...selectorLabels(component.name), environment: target.environment } },
      namespaceSelector: { matchNames: [target.namespace] },
      endpoints: [
        {
          port: "http",
          path,
          scheme: "http",
          ...(interval !== undefined ? { interval } : {}),
          ...(scrapeTimeout !== undefined ? { scrapeTimeout } : {}),
        },
      ],
    },
  };
}

/** The PrometheusRule: the recording rules, then the enabled alerts with their tuned values. */
export function prometheusRule(components: readonly ComponentDefinition[], target: MonitoringTarget): PrometheusRule {
  const { component } = metricsComponent(components, target.environment);
  const scope = ruleScope(component, target.namespace);
  const alerts = ALERTS.flatMap((alert): PrometheusRuleRule[] => {
    const settings = alertSettings(target.monitoring, alert);
    if (!settings.enabled) return [];
    return [
      {
        alert: alert.alert,
        expr: alert.expr(scope, settings.threshold ?? 0),
        for: settings.for,
        labels: { ...target.monitoring.alertLabels, severity: settings.severity },
        annotations: { summary: alert.summary, description: alert.description },
      },
    ];
  });
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: MONITORING_NAMES.prometheusRule, labels: { ...target.monitoring.labels, ...sharedLabels() } },
    spec: {
      groups: [
        { name: "argusai.rules", rules: RECORDING_RULES.map((rule) => ({ record: rule.record, expr: rule.expr(scope) })) },
        ...(alerts.length > 0 ? [{ name: "argusai.alerts", rules: alerts }] : []),
      ],
    },
  };
}

/** The overlay files of an environment's monitoring: none without the field. */
export function monitoringResources(
  components: readonly ComponentDefinition[],
  spec: { readonly name: string; readonly namespace: string; readonly monitoring?: MonitoringSpec | undefined },
): Array<{ file: string; object: KubeObject }> {
  if (spec.monitoring === undefined) return [];
  const target = { environment: spec.name, namespace: spec.namespace, monitoring: spec.monitoring };
  return [
    { file: "servicemonitor.yaml", object: serviceMonitor(components, target) },
    { file: "prometheusrule.yaml", object: prometheusRule(components, target) },
  ];
}
