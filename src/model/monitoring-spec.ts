import { z } from "zod";
import { labelsSchema } from "./environment-options.js";
import { asRecord, type SpecProblem } from "./spec-problem.js";
import { ALERTS, type AlertDefinition } from "./monitoring-rules.js";

/*
 * The `monitoring` field of an environment: a ServiceMonitor for the backend's /metrics and a
 * PrometheusRule with ArgusAI's recording rules and alerts, each alert tunable where an operator
 * would tune it.
 */

/** A Prometheus duration, by the pattern prometheus-operator's CRDs give `for` and `interval`. */
export const PROMETHEUS_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

const duration = (what: string) =>
  z.string().min(1, "must be a Prometheus duration like 5m").regex(PROMETHEUS_DURATION, "is not a Prometheus duration (like 30s, 5m, 1h30m)").describe(what);

/** The overrides one alert takes: a threshold only where the alert compares against one. */
function alertTuning(alert: AlertDefinition) {
  const threshold = alert.threshold;
  let value = z.number({ error: "must be a number" });
  if (threshold !== undefined) {
    value = value.gt(threshold.above, `must be above ${threshold.above}`);
    if (threshold.atMost !== undefined) value = value.lte(threshold.atMost, `must be at most ${threshold.atMost} (a ratio)`);
  }
  return z
    .strictObject({
      enabled: z.boolean().optional().describe("false leaves the alert out").meta({ default: true }),
      for: duration("How long the condition must hold before the alert fires").optional().meta({ default: alert.for }),
      severity: z
        .string()
        .min(1, "must not be empty")
        .regex(/^[A-Za-z0-9_.-]+$/, "must be a word (letters, digits, '_', '.', '-'), as Alertmanager routes match it")
        .optional()
        .describe("The alert's severity label")
        .meta({ default: alert.severity }),
      ...(threshold !== undefined ? { threshold: value.optional().describe(`The threshold, in ${threshold.unit}`).meta({ default: threshold.default }) } : {}),
    })
    .describe(alert.summary);
}

/**
 * Labels of an alert: Prometheus label names (Prometheus 2 accepts no other; `__` is reserved), and
 * not `severity`, which each alert sets (monitoring.alerts.<alert>.severity).
 */
const alertLabelsSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a Prometheus label name (letters, digits and '_', not starting with a digit)")
    // Patterns, not refinements, so the JSON Schema for editors says the same.
    .regex(/^(?!__)/, "starts with __, which Prometheus reserves")
    .regex(/^(?!(?:severity|alertname)$)/, "is set per alert (monitoring.alerts.<alert>.severity), not here"),
  z.string({ error: "must be a string (quote numbers and booleans)" }),
);

const alertsSchema = z
  .strictObject(
    Object.fromEntries(ALERTS.map((alert) => [alert.alert, alertTuning(alert).optional()])) as Record<string, z.ZodOptional<ReturnType<typeof alertTuning>>>,
  )
  .describe("Per alert: enabled, for, severity and (where it has one) threshold");

export const monitoringSpecSchema = z
  .strictObject({
    labels: labelsSchema
      .optional()
      .describe(
        "Labels on the ServiceMonitor and the PrometheusRule, for the Prometheus' serviceMonitorSelector and ruleSelector (kube-prometheus-stack: release: <its release name>)",
      ),
    interval: duration("Scrape interval; Prometheus' own when absent").optional(),
    scrapeTimeout: duration("Scrape timeout; Prometheus' own when absent (at most the interval)").optional(),
    alertLabels: alertLabelsSchema.optional().describe("Labels added to every alert (e.g. team), for Alertmanager's routes; severity is set per alert"),
    alerts: alertsSchema.optional(),
  })
  .describe(
    "Prometheus monitoring (prometheus-operator): a ServiceMonitor for the backend's /metrics and a PrometheusRule with ArgusAI's recording rules and alerts",
  );

export type MonitoringSpec = z.infer<typeof monitoringSpecSchema>;

/** The tuning of one alert from a spec, with its defaults filled in. */
export function alertSettings(
  spec: MonitoringSpec,
  alert: AlertDefinition,
): { enabled: boolean; for: string; severity: string; threshold: number | undefined } {
  const tuning = (spec.alerts?.[alert.alert] ?? {}) as { enabled?: boolean; for?: string; severity?: string; threshold?: number };
  return {
    enabled: tuning.enabled !== false,
    for: tuning.for ?? alert.for,
    severity: tuning.severity ?? alert.severity,
    threshold: alert.threshold !== undefined ? (tuning.threshold ?? alert.threshold.default) : undefined,
  };
}

/** Milliseconds of a duration matching {@link PROMETHEUS_DURATION}. */
export function durationMillis(value: string): number {
  const units: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const match of value.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}

/**
 * A NetworkPolicy that does not let Prometheus in would make every scrape fail (ArgusAIBackendDown
 * forever), so monitoring with a NetworkPolicy needs the monitoring namespace it opens. Reads
 * possibly malformed input.
 */
export function monitoringNetworkPolicyProblems(spec: Readonly<Record<string, unknown>>): SpecProblem[] {
  if (spec["monitoring"] === undefined || spec["networkPolicy"] === undefined) return [];
  if (asRecord(spec["networkPolicy"])["monitoringNamespace"] !== undefined) return [];
  return [
    {
      field: ["networkPolicy", "monitoringNamespace"],
      message: "is required with monitoring: the NetworkPolicy would drop Prometheus' scrapes of /metrics; give the namespace Prometheus runs in",
    },
  ];
}

/** Prometheus refuses a scrape config whose timeout is longer than its interval. Reads possibly malformed input. */
export function monitoringScrapeTimeoutProblems(spec: Readonly<Record<string, unknown>>): SpecProblem[] {
  const { interval, scrapeTimeout } = asRecord(spec["monitoring"]);
  if (typeof interval !== "string" || typeof scrapeTimeout !== "string" || !PROMETHEUS_DURATION.test(interval) || !PROMETHEUS_DURATION.test(scrapeTimeout))
    return [];
  if (durationMillis(scrapeTimeout) <= durationMillis(interval)) return [];
  return [
    { field: ["monitoring", "scrapeTimeout"], message: `${scrapeTimeout} is longer than the interval ${interval}: Prometheus refuses such a scrape config` },
  ];
}
