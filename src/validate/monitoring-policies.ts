import type { Policy, RenderedObject } from "./policies.js";

/*
 * Policies linking a ServiceMonitor to what it scrapes, on the rendered overlay (so an escape-hatch
 * patch cannot quietly break the link): it selects exactly one Service of the overlay, by a port
 * that Service has, and no NetworkPolicy of the overlay keeps Prometheus from the pods behind it.
 */

interface Selected {
  readonly monitor: string;
  readonly endpoints: ReadonlyArray<{ port?: string }>;
  readonly services: readonly RenderedObject[];
}

type Labels = Readonly<Record<string, string>>;

const nameOf = (object: RenderedObject): string => String((object["metadata"] as { name?: unknown } | undefined)?.name ?? "");
const namespaceOf = (object: RenderedObject): string | undefined => (object["metadata"] as { namespace?: string } | undefined)?.namespace;
const labelsOf = (object: RenderedObject): Labels => (object["metadata"] as { labels?: Labels } | undefined)?.labels ?? {};
const matches = (selector: Labels | undefined, labels: Labels): boolean => Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

/** Each ServiceMonitor with the rendered Services it selects (same namespace as listed, labels matching). */
function selections(objects: readonly RenderedObject[]): Selected[] {
  return objects
    .filter((object) => object["kind"] === "ServiceMonitor")
    .map((object) => {
      const spec = (object["spec"] ?? {}) as { selector?: { matchLabels?: Labels }; namespaceSelector?: { matchNames?: string[]; any?: boolean }; endpoints?: Array<{ port?: string }> };
      const namespaces = spec.namespaceSelector?.any === true ? undefined : (spec.namespaceSelector?.matchNames ?? [namespaceOf(object)]);
      const services = objects.filter(
        (candidate) => candidate["kind"] === "Service" && (namespaces === undefined || namespaces.includes(namespaceOf(candidate))) && matches(spec.selector?.matchLabels, labelsOf(candidate)),
      );
      return { monitor: `ServiceMonitor/${nameOf(object)}`, endpoints: spec.endpoints ?? [], services };
    });
}

/** The pod template labels of the workloads a Service selects. */
function podLabelsBehind(objects: readonly RenderedObject[], service: RenderedObject): Labels[] {
  const selector = (service["spec"] as { selector?: Labels } | undefined)?.selector;
  return objects.flatMap((object) => {
    const labels = (object["spec"] as { template?: { metadata?: { labels?: Labels } } } | undefined)?.template?.metadata?.labels;
    return labels !== undefined && selector !== undefined && matches(selector, labels) ? [labels] : [];
  });
}

interface NetworkPolicyRule {
  from?: Array<{ namespaceSelector?: { matchLabels?: Labels }; podSelector?: unknown; ipBlock?: unknown }>;
  ports?: Array<{ port?: string | number }>;
}

/** Whether a rule lets pods of `namespace` reach `port` (a rule without `from`/`ports` allows every source/port). */
function admits(rule: NetworkPolicyRule, namespace: string, port: string): boolean {
  const fromOk =
    rule.from === undefined ||
    rule.from.some(
      (peer) =>
        peer.namespaceSelector !== undefined &&
        peer.podSelector === undefined &&
        matches(peer.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": namespace }),
    );
  const portOk = rule.ports === undefined || rule.ports.some((candidate) => candidate.port === undefined || candidate.port === port);
  return fromOk && portOk;
}

export const MONITORING_POLICIES: readonly Policy[] = [
  {
    id: "servicemonitor-target",
    summary: "every ServiceMonitor selects exactly one Service of the overlay, by a port name that Service has",
    fix: "make the ServiceMonitor's selector and namespaceSelector match the metrics Service, and its endpoint port one of the Service's port names",
    check: (objects) =>
      selections(objects).flatMap(({ monitor, endpoints, services }) => {
        if (services.length !== 1) {
          const names = services.map((service) => nameOf(service)).join(", ");
          return [{ object: monitor, field: "spec.selector", message: services.length === 0 ? "selects no Service of the overlay" : `selects ${services.length} Services (${names}); Prometheus would scrape each` }];
        }
        const ports = ((services[0]!["spec"] as { ports?: Array<{ name?: string }> } | undefined)?.ports ?? []).map((port) => port.name);
        return endpoints.flatMap((endpoint, index) =>
          endpoint.port !== undefined && ports.includes(endpoint.port) ? [] : [{ object: monitor, field: `spec.endpoints.${index}.port`, message: `${endpoint.port ?? "(none)"} is not a port name of Service/${nameOf(services[0]!)}` }],
        );
      }),
  },
  {
    id: "servicemonitor-network-policy",
    summary: "no NetworkPolicy of the overlay keeps Prometheus (networkPolicy.monitoringNamespace) from a scraped Service's pods",
    fix: "set networkPolicy.monitoringNamespace to the namespace Prometheus runs in",
    check: (objects, context) =>
      selections(objects).flatMap(({ monitor, endpoints, services }) =>
        services.flatMap((service) =>
          podLabelsBehind(objects, service).flatMap((pod) =>
            objects
              .filter((object) => object["kind"] === "NetworkPolicy")
              .filter((policy) => {
                const spec = (policy["spec"] ?? {}) as { podSelector?: { matchLabels?: Labels }; policyTypes?: string[]; ingress?: NetworkPolicyRule[] };
                if (!matches(spec.podSelector?.matchLabels, pod) || !(spec.policyTypes ?? ["Ingress"]).includes("Ingress")) return false;
                const namespace = context.monitoringNamespace;
                return endpoints.some((endpoint) => namespace === undefined || !(spec.ingress ?? []).some((rule) => admits(rule, namespace, endpoint.port ?? "")));
              })
              .map((policy) => ({
                object: `NetworkPolicy/${nameOf(policy)}`,
                field: "spec.ingress",
                message:
                  context.monitoringNamespace === undefined
                    ? `restricts the pods ${monitor} scrapes, and no monitoring namespace is declared to let Prometheus in`
                    : `does not let namespace ${context.monitoringNamespace} reach the port ${monitor} scrapes`,
              })),
          ),
        ),
      ),
  },
];
