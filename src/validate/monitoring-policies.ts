import { asRecord } from "../model/spec-problem.js";
import type { Policy, RenderedObject } from "./policies.js";

/*
 * Policies linking a ServiceMonitor to what it scrapes, on the rendered overlay (so an escape-hatch
 * patch cannot quietly break the link): it selects exactly one Service of the overlay, by a port
 * that Service has, and no NetworkPolicy of the overlay keeps Prometheus from the pods behind it.
 * Objects may be anything a hand edit or a patch left: every read is guarded, so an odd object
 * gives a violation or none, never a crash.
 */

interface Selected {
  readonly monitor: string;
  /** Each endpoint's port name (undefined when it has none, or not as text). */
  readonly ports: ReadonlyArray<string | undefined>;
  readonly services: readonly RenderedObject[];
}

type Labels = Readonly<Record<string, unknown>>;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const nameOf = (object: RenderedObject): string => text(asRecord(object["metadata"])["name"]) ?? "";
const namespaceOf = (object: RenderedObject): string | undefined => text(asRecord(object["metadata"])["namespace"]);
const labelsOf = (object: unknown): Labels => asRecord(asRecord(object)["labels"]);
/** Whether every label of `selector` (a mapping, else no constraint) is in `labels`. */
const matches = (selector: unknown, labels: Labels): boolean => Object.entries(asRecord(selector)).every(([key, value]) => labels[key] === value);

/** Each ServiceMonitor with the rendered Services it selects (same namespace as listed, labels matching). */
function selections(objects: readonly RenderedObject[]): Selected[] {
  return objects
    .filter((object) => object["kind"] === "ServiceMonitor")
    .map((object) => {
      const spec = asRecord(object["spec"]);
      const namespaceSelector = asRecord(spec["namespaceSelector"]);
      const matchNames = namespaceSelector["matchNames"];
      const namespaces = namespaceSelector["any"] === true ? undefined : Array.isArray(matchNames) ? matchNames : [namespaceOf(object)];
      const selector = asRecord(spec["selector"])["matchLabels"];
      const services = objects.filter(
        (candidate) =>
          candidate["kind"] === "Service" &&
          (namespaces === undefined || namespaces.includes(namespaceOf(candidate))) &&
          matches(selector, labelsOf(candidate["metadata"])),
      );
      return { monitor: `ServiceMonitor/${nameOf(object)}`, ports: list(spec["endpoints"]).map((endpoint) => text(asRecord(endpoint)["port"])), services };
    });
}

/** The pod template labels of the workloads a Service selects. */
function podLabelsBehind(objects: readonly RenderedObject[], service: RenderedObject): Labels[] {
  const selector = asRecord(service["spec"])["selector"];
  if (typeof selector !== "object" || selector === null || Array.isArray(selector)) return [];
  return objects.flatMap((object) => {
    const metadata = asRecord(asRecord(object["spec"])["template"])["metadata"];
    const labels = asRecord(metadata)["labels"];
    return typeof labels === "object" && labels !== null && !Array.isArray(labels) && matches(selector, labels as Labels) ? [labels as Labels] : [];
  });
}

/** Whether a NetworkPolicy ingress rule lets pods of `namespace` reach `port` (a rule without `from`/`ports` allows every source/port). */
function admits(rule: unknown, namespace: string, port: string): boolean {
  const { from, ports } = asRecord(rule);
  const fromOk =
    from === undefined ||
    list(from).some((peer) => {
      const { namespaceSelector, podSelector } = asRecord(peer);
      return (
        namespaceSelector !== undefined &&
        podSelector === undefined &&
        matches(asRecord(namespaceSelector)["matchLabels"], { "kubernetes.io/metadata.name": namespace })
      );
    });
  const portOk = ports === undefined || list(ports).some((candidate) => asRecord(candidate)["port"] === undefined || asRecord(candidate)["port"] === port);
  return fromOk && portOk;
}

/** Whether a NetworkPolicy restricts ingress to pods with `labels` and keeps Prometheus from one of `ports`. */
function blocksScrapes(policy: RenderedObject, labels: Labels, ports: ReadonlyArray<string | undefined>, namespace: string | undefined): boolean {
  const spec = asRecord(policy["spec"]);
  const policyTypes = spec["policyTypes"] === undefined ? ["Ingress"] : list(spec["policyTypes"]);
  if (!matches(asRecord(spec["podSelector"])["matchLabels"], labels) || !policyTypes.includes("Ingress")) return false;
  return ports.some((port) => namespace === undefined || !list(spec["ingress"]).some((rule) => admits(rule, namespace, port ?? "")));
}

export const MONITORING_POLICIES: readonly Policy[] = [
  {
    id: "servicemonitor-target",
    summary: "every ServiceMonitor selects exactly one Service of the overlay, by a port name that Service has",
    fix: "make the ServiceMonitor's selector and namespaceSelector match the metrics Service, and its endpoint port one of the Service's port names",
    check: (objects) =>
      selections(objects).flatMap(({ monitor, ports, services }) => {
        if (services.length !== 1) {
          const names = services.map((service) => nameOf(service)).join(", ");
          return [
            {
              object: monitor,
              field: "spec.selector",
              message:
                services.length === 0 ? "selects no Service of the overlay" : `selects ${services.length} Services (${names}); Prometheus would scrape each`,
            },
          ];
        }
        const names = list(asRecord(services[0]!["spec"])["ports"]).map((port) => text(asRecord(port)["name"]));
        return ports.flatMap((port, index) =>
          port !== undefined && names.includes(port)
            ? []
            : [
                {
                  object: monitor,
                  field: `spec.endpoints.${index}.port`,
                  message: `${port ?? "(none)"} is not a port name of Service/${nameOf(services[0]!)}`,
                },
              ],
        );
      }),
  },
  {
    id: "servicemonitor-network-policy",
    summary: "no NetworkPolicy of the overlay keeps Prometheus (networkPolicy.monitoringNamespace) from a scraped Service's pods",
    fix: "set networkPolicy.monitoringNamespace to the namespace Prometheus runs in",
    check: (objects, context) =>
      selections(objects).flatMap(({ monitor, ports, services }) =>
        services.flatMap((service) =>
          podLabelsBehind(objects, service).flatMap((pod) =>
            objects
              .filter((object) => object["kind"] === "NetworkPolicy" && blocksScrapes(object, pod, ports, context.monitoringNamespace))
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
