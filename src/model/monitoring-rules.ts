/*
 * ArgusAI's recording rules and alerts, from the backend's metrics (metrics.ts) and the service
 * levels upstream ArgusAI sets for them. Every expression selects one environment: the backend's
 * series in its namespace, from its Service's scrape job, since one Prometheus usually watches many
 * environments. Alerts have defaults an operator can override per environment (threshold, `for`,
 * severity, on/off); the expressions themselves are fixed.
 */

/** Whose series a rule reads: one environment's backend. */
export interface RuleScope {
  /** The environment's namespace. */
  readonly namespace: string;
  /** The scrape job: the backend Service's name (a ServiceMonitor without jobLabel names jobs so). */
  readonly job: string;
  /** The backend's container name (cAdvisor and kube-state-metrics label series by it). */
  readonly container: string;
}

export interface RecordingRuleDefinition {
  readonly record: string;
  /** The labels the recorded series keeps (its outermost grouping). */
  readonly keeps: readonly string[];
  /** What it computes, for people (docs, the rule's own documentation). */
  readonly meaning: string;
  readonly expr: (scope: RuleScope) => string;
}

export interface AlertThreshold {
  readonly default: number;
  /** Exclusive lower bound, inclusive upper bound of an operator's value. */
  readonly above: number;
  readonly atMost?: number;
  readonly unit: string;
}

export interface AlertDefinition {
  readonly alert: string;
  readonly summary: string;
  /** Alertmanager's description; may use {{ $labels.x }} and {{ $value }}. */
  readonly description: string;
  readonly for: string;
  readonly severity: "critical" | "warning";
  /** The value an operator tunes, for alerts that compare against one. */
  readonly threshold?: AlertThreshold;
  readonly expr: (scope: RuleScope, threshold: number) => string;
}

/** The backend's own series of one environment. */
const backend = (scope: RuleScope, extra = ""): string => `{namespace="${scope.namespace}", job="${scope.job}"${extra}}`;

export const RECORDING_RULES: readonly RecordingRuleDefinition[] = [
  {
    record: "argusai:http_requests:rate5m",
    keeps: ["namespace", "job"],
    meaning: "HTTP requests per second the backend answered, over 5 minutes",
    expr: (scope) => `sum by (namespace, job) (rate(http_requests_total${backend(scope)}[5m]))`,
  },
  {
    record: "argusai:http_requests_5xx:rate5m",
    keeps: ["namespace", "job"],
    // The label is status_code: upstream's rule filtered on `status` and matched nothing.
    meaning: "HTTP requests per second answered with a 5xx status code, over 5 minutes",
    expr: (scope) => `sum by (namespace, job) (rate(http_requests_total${backend(scope, ', status_code=~"5.."')}[5m]))`,
  },
  {
    record: "argusai:http_requests_5xx:ratio_rate5m",
    keeps: ["namespace", "job"],
    meaning: "share of HTTP requests answered with a 5xx status code, over 5 minutes (0 to 1)",
    expr: (scope) => `argusai:http_requests_5xx:rate5m${backend(scope)} / argusai:http_requests:rate5m${backend(scope)}`,
  },
  {
    record: "argusai:ai_api_duration_seconds:p95_rate5m",
    keeps: ["namespace", "job", "provider"],
    meaning: "95th percentile of AI provider call durations per provider, over 5 minutes (seconds)",
    expr: (scope) => `histogram_quantile(0.95, sum by (namespace, job, provider, le) (rate(ai_api_duration_seconds_bucket${backend(scope)}[5m])))`,
  },
];

export const ALERTS: readonly AlertDefinition[] = [
  {
    alert: "ArgusAIBackendDown",
    summary: "Prometheus cannot scrape the ArgusAI backend",
    description:
      "The backend target {{ $labels.instance }} in {{ $labels.namespace }} has failed its scrapes: the backend is down, not ready to answer, or unreachable from Prometheus.",
    for: "2m",
    severity: "critical",
    expr: (scope) => `up${backend(scope)} == 0`,
  },
  {
    alert: "ArgusAIBackendAbsent",
    summary: "Prometheus scrapes no ArgusAI backend at all",
    description:
      "No backend target in {{ $labels.namespace }} has been scraped: the backend has no running pod, or the ServiceMonitor is not picked up by this Prometheus.",
    for: "10m",
    severity: "warning",
    expr: (scope) => `absent(up${backend(scope)})`,
  },
  {
    alert: "ArgusAIHighHTTPErrorRatio",
    summary: "The ArgusAI backend answers too many requests with 5xx",
    description:
      "{{ $value | humanizePercentage }} of the requests to the backend in {{ $labels.namespace }} failed with a 5xx status code over the last 5 minutes.",
    for: "10m",
    severity: "warning",
    threshold: { default: 0.01, above: 0, atMost: 1, unit: "ratio of requests (0.01 = 1 %)" },
    expr: (scope, threshold) => `argusai:http_requests_5xx:ratio_rate5m${backend(scope)} > ${threshold}`,
  },
  {
    alert: "ArgusAISlowAIResponses",
    summary: "AI descriptions take too long",
    description: "The 95th percentile of {{ $labels.provider }} calls in {{ $labels.namespace }} is {{ $value | humanizeDuration }}.",
    for: "15m",
    severity: "warning",
    threshold: { default: 5, above: 0, unit: "seconds (p95 of one provider's calls)" },
    expr: (scope, threshold) => `argusai:ai_api_duration_seconds:p95_rate5m${backend(scope)} > ${threshold}`,
  },
  {
    alert: "ArgusAIEventQueueBacklog",
    summary: "Camera events are queueing up in the ArgusAI backend",
    description: "{{ $value }} events wait in the backend's processing queue in {{ $labels.namespace }}.",
    for: "5m",
    severity: "warning",
    threshold: { default: 50, above: 0, unit: "queued events" },
    expr: (scope, threshold) => `max by (namespace, job) (event_queue_depth${backend(scope)}) > ${threshold}`,
  },
  {
    alert: "ArgusAIEventQueueFull",
    summary: "The ArgusAI event queue is close to dropping events",
    description: "{{ $value }} events wait in the backend's bounded queue in {{ $labels.namespace }}; when it overflows, events are dropped.",
    for: "1m",
    severity: "critical",
    threshold: { default: 200, above: 0, unit: "queued events" },
    expr: (scope, threshold) => `max by (namespace, job) (event_queue_depth${backend(scope)}) > ${threshold}`,
  },
  {
    alert: "ArgusAICircuitBreakerOpen",
    summary: "An AI provider's circuit breaker is open",
    description:
      "Calls to {{ $labels.provider }} in {{ $labels.namespace }} are short-circuited: the provider failed repeatedly, and events get fallback descriptions.",
    for: "5m",
    severity: "warning",
    // 0 closed, 1 open, 2 half-open: only a breaker that stays open is news.
    expr: (scope) => `max by (namespace, job, provider) (ai_circuit_breaker_state${backend(scope)}) == 1`,
  },
  {
    alert: "ArgusAIProtectDisconnected",
    summary: "The UniFi Protect WebSocket is disconnected",
    description: "The backend in {{ $labels.namespace }} receives no Protect events: its WebSocket to the controller is down.",
    for: "5m",
    severity: "warning",
    expr: (scope) => `max by (namespace, job) (protect_ws_connected${backend(scope)}) == 0`,
  },
  {
    alert: "ArgusAIBackendMemoryHigh",
    summary: "The ArgusAI backend is close to its memory limit",
    description:
      "The backend pod {{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its memory limit; at the limit it is OOM-killed.",
    for: "10m",
    severity: "warning",
    threshold: { default: 0.9, above: 0, atMost: 1, unit: "ratio of the memory limit (0.9 = 90 %)" },
    // cAdvisor (kubelet) and kube-state-metrics series, not the application's; image!="" leaves out
    // the pod-level cgroup cAdvisor also reports.
    expr: (scope, threshold) =>
      `max by (namespace, pod) (container_memory_working_set_bytes{namespace="${scope.namespace}", container="${scope.container}", image!=""})` +
      ` / max by (namespace, pod) (kube_pod_container_resource_limits{namespace="${scope.namespace}", container="${scope.container}", resource="memory"})` +
      ` > ${threshold}`,
  },
];

/** The names of the alerts, as the environment schema's keys under monitoring.alerts. */
export const ALERT_NAMES = ALERTS.map((alert) => alert.alert);
