/*
 * The metrics the monitoring rules may use: what ArgusAI's backend exports on /metrics (read from
 * its backend/app/core/metrics.py and services/mcp_context.py), what Prometheus adds to every
 * scraped series, and the few Kubernetes series (cAdvisor, kube-state-metrics) the memory alert
 * reads. It is the one list of metric names and labels, like the served paths of the component
 * registry: a test parses every rule's PromQL and proves each metric it reads is here and each label
 * it filters, groups or joins on is one that metric has (upstream's own 5xx rule filtered on
 * `status`, a label the metric lacks, so it could never fire).
 */

/** How prometheus_client exposes a family: its series names follow from the type. */
export type MetricType = "counter" | "gauge" | "histogram" | "info";

/** Who produces a series: the application, Prometheus itself, or a cluster exporter. */
export type MetricSource = "argusai" | "prometheus" | "cadvisor" | "kube-state-metrics";

export interface MetricFamily {
  /** The family's name as exposed (a counter's with its `_total`). */
  readonly name: string;
  readonly type: MetricType;
  /** The labels the producer sets (without the target labels Prometheus adds). */
  readonly labels: readonly string[];
  readonly source: MetricSource;
}

/**
 * Labels Prometheus (prometheus-operator's relabelling of a ServiceMonitor's targets) adds to every
 * series it scrapes from the backend: the Service's namespace and name, the pod, container and
 * endpoint port, `job` (the Service name unless the ServiceMonitor sets jobLabel) and `instance`.
 */
export const TARGET_LABELS: readonly string[] = ["namespace", "service", "pod", "container", "endpoint", "job", "instance"];

const app = (name: string, type: MetricType, labels: readonly string[] = []): MetricFamily => ({ name, type, labels, source: "argusai" });

/** Every family the backend exports from its own registry (no process_*, python_* defaults). */
const ARGUSAI_FAMILIES: readonly MetricFamily[] = [
  // HTTP
  app("http_requests_total", "counter", ["method", "path", "status_code"]),
  app("http_request_duration_seconds", "histogram", ["method", "path"]),
  app("http_requests_in_progress", "gauge", ["method"]),
  // Events
  app("events_processed_total", "counter", ["camera_id", "status"]),
  app("event_processing_duration_seconds", "histogram", ["stage"]),
  app("event_queue_depth", "gauge"),
  // AI
  app("ai_processing_total", "counter", ["success", "fallback_used", "context_used", "ocr_used", "low_confidence", "regenerated"]),
  app("ai_processing_duration_seconds", "histogram"),
  app("ai_api_calls_total", "counter", ["provider", "model", "status"]),
  app("ai_api_duration_seconds", "histogram", ["provider", "model"]),
  app("ai_api_tokens_total", "counter", ["provider", "model", "type"]),
  app("ai_api_cost_total", "counter", ["provider", "model"]),
  app("ai_circuit_breaker_state", "gauge", ["provider"]),
  app("ai_circuit_breaker_transitions_total", "counter", ["provider", "from_state", "to_state"]),
  app("ai_concurrent_in_flight", "gauge"),
  // Cameras and UniFi Protect
  app("cameras_connected", "gauge"),
  app("cameras_total", "gauge"),
  app("camera_frames_captured_total", "counter", ["camera_id"]),
  app("protect_ws_connected", "gauge"),
  app("protect_ws_last_message_age_seconds", "gauge"),
  // Notifications
  app("alerts_triggered_total", "counter", ["rule_id", "action_type"]),
  app("webhooks_sent_total", "counter", ["status"]),
  app("webhook_duration_seconds", "histogram"),
  app("push_notifications_sent_total", "counter", ["status"]),
  app("push_notification_duration_seconds", "histogram"),
  app("push_subscriptions_active", "gauge"),
  app("mqtt_connection_status", "gauge"),
  app("mqtt_messages_published_total", "counter"),
  app("mqtt_publish_errors_total", "counter"),
  app("mqtt_reconnect_attempts_total", "counter"),
  // HomeKit and tunnel
  app("argusai_homekit_streams_active", "gauge", ["camera_id"]),
  app("argusai_homekit_streams_total", "gauge"),
  app("argusai_homekit_stream_starts_total", "counter", ["camera_id", "quality", "status"]),
  app("argusai_homekit_stream_rejections_total", "counter", ["camera_id"]),
  app("argusai_homekit_snapshot_cache_hits_total", "counter", ["camera_id"]),
  app("argusai_homekit_snapshot_cache_misses_total", "counter", ["camera_id"]),
  app("argusai_tunnel_connected", "gauge"),
  app("argusai_tunnel_uptime_seconds", "gauge"),
  app("argusai_tunnel_reconnect_total", "counter"),
  // The process as the application sees it
  app("system_cpu_usage_percent", "gauge"),
  app("system_memory_usage_percent", "gauge"),
  app("system_memory_used_bytes", "gauge"),
  app("system_disk_usage_percent", "gauge", ["path"]),
  app("system_disk_used_bytes", "gauge", ["path"]),
  app("app_uptime_seconds", "gauge"),
  app("app_info", "info"),
  // MCP context
  app("argusai_mcp_context_latency_seconds", "histogram", ["cached"]),
  app("argusai_mcp_cache_hits_total", "counter"),
  app("argusai_mcp_cache_misses_total", "counter"),
  app("argusai_mcp_context_timeouts_total", "counter"),
  app("argusai_mcp_component_available", "gauge", ["component"]),
  app("argusai_mcp_cache_hit_rate", "gauge"),
];

/**
 * Series from outside the application that the rules read: Prometheus' own `up` per target, and
 * the working set and memory limit of a container (cAdvisor through the kubelet,
 * kube-state-metrics), as kube-prometheus-stack scrapes them (honouring the exporters' own
 * namespace/pod/container labels).
 */
const CLUSTER_FAMILIES: readonly MetricFamily[] = [
  { name: "up", type: "gauge", labels: [], source: "prometheus" },
  {
    name: "container_memory_working_set_bytes",
    type: "gauge",
    labels: ["namespace", "pod", "container", "image", "name", "id", "node", "metrics_path"],
    source: "cadvisor",
  },
  {
    name: "kube_pod_container_resource_limits",
    type: "gauge",
    labels: ["namespace", "pod", "container", "node", "resource", "unit", "uid"],
    source: "kube-state-metrics",
  },
];

/** Every metric family a monitoring rule may read. */
export const METRIC_FAMILIES: readonly MetricFamily[] = [...ARGUSAI_FAMILIES, ...CLUSTER_FAMILIES];

/**
 * The series names a family is exposed as, each with the labels it carries: prometheus_client
 * writes a counter as `<name>` and `<name minus _total>_created`, a histogram as `_bucket` (with
 * `le`), `_count`, `_sum` and `_created`. Every series also has the target labels.
 */
export function seriesOf(family: MetricFamily): ReadonlyArray<{ readonly name: string; readonly labels: readonly string[] }> {
  const labels = [...family.labels, ...TARGET_LABELS];
  switch (family.type) {
    case "counter":
      return [
        { name: family.name, labels },
        { name: `${family.name.replace(/_total$/, "")}_created`, labels },
      ];
    case "histogram":
      return [
        { name: `${family.name}_bucket`, labels: [...labels, "le"] },
        { name: `${family.name}_count`, labels },
        { name: `${family.name}_sum`, labels },
        { name: `${family.name}_created`, labels },
      ];
    default:
      return [{ name: family.name, labels }];
  }
}

/** Every series name a rule may select, with its labels. */
export const METRIC_SERIES: ReadonlyMap<string, readonly string[]> = new Map(METRIC_FAMILIES.flatMap(seriesOf).map((series) => [series.name, series.labels]));
