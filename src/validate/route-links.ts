import type { Policy, RenderedObject } from "./policies.js";
import { indexedRecords, numeric, record, shown, text } from "./read-objects.js";

/*
 * Routes must reach something. kustomize renders an Ingress or an HTTPRoute whose backend names a
 * Service or port the overlay does not have (a renamed Service, a port patched to another number)
 * without a word, and the API server accepts it too: the route only fails at request time (503).
 */

interface ServicePorts {
  readonly names: ReadonlySet<string>;
  readonly numbers: ReadonlySet<number>;
}

/** Every Ingress and HTTPRoute backend names a Service of the overlay and one of its ports. */
export const ROUTE_BACKENDS_POLICY: Policy = {
  id: "route-backends",
  summary: "every Ingress and HTTPRoute backend names a Service of the overlay and a port that Service has",
  fix: "point the backend at a rendered Service and one of its ports (HTTPRoute: the port number; Ingress: its name or number)",
  check: (objects) => {
    const services = new Map<string, ServicePorts>();
    for (const object of objects) {
      if (object["kind"] !== "Service") continue;
      // A port that is not a mapping, or whose name or number is of the wrong type, offers nothing
      // to route to (the schema reports the port itself).
      const ports = indexedRecords(record(object["spec"])?.["ports"]).map(([port]) => port);
      services.set(nameOf(object), {
        names: new Set(ports.flatMap((port) => text(port["name"]) ?? [])),
        numbers: new Set(ports.flatMap((port) => numeric(port["port"]) ?? [])),
      });
    }
    const problems: Array<{ object: string; field: string; message: string }> = [];
    const need = (
      object: RenderedObject,
      field: string,
      service: string | undefined,
      port: { name?: string | undefined; number?: number | undefined } | undefined,
    ) => {
      const where = `${shown(object["kind"])}/${nameOf(object)}`;
      const found = service !== undefined ? services.get(service) : undefined;
      if (found === undefined) {
        problems.push({ object: where, field: `${field}.name`, message: `names Service ${service ?? "(none)"}, which the overlay does not render` });
      } else if (port?.name !== undefined ? !found.names.has(port.name) : port?.number === undefined || !found.numbers.has(port.number)) {
        const given = port?.name ?? (port?.number !== undefined ? String(port.number) : "(no port)");
        const offered = [...found.names, ...found.numbers];
        problems.push({
          object: where,
          field: `${field}.port`,
          message: `port ${given} is not a port of Service ${service} (${offered.length > 0 ? offered.join(", ") : "it has none"})`,
        });
      }
    };
    /** An Ingress backend's service: a name that is not a string counts as none, a port that is not a mapping as no port. */
    const ingressBackend = (object: RenderedObject, field: string, backend: unknown) => {
      const service = record(record(backend)?.["service"]);
      if (service === undefined) return;
      const port = record(service["port"]);
      need(object, `${field}.service`, text(service["name"]), port !== undefined ? { name: text(port["name"]), number: numeric(port["number"]) } : undefined);
    };
    for (const object of objects) {
      if (object["kind"] === "Ingress") {
        const spec = record(object["spec"]);
        ingressBackend(object, "spec.defaultBackend", spec?.["defaultBackend"]);
        for (const [rule, ruleIndex] of indexedRecords(spec?.["rules"])) {
          for (const [route, pathIndex] of indexedRecords(record(rule["http"])?.["paths"])) {
            ingressBackend(object, `spec.rules.${ruleIndex}.http.paths.${pathIndex}.backend`, route["backend"]);
          }
        }
      }
      if (object["kind"] === "HTTPRoute") {
        for (const [rule, ruleIndex] of indexedRecords(record(object["spec"])?.["rules"])) {
          for (const [ref, refIndex] of indexedRecords(rule["backendRefs"])) {
            // Only Services in the route's namespace are the overlay's to check; another kind or
            // namespace is the cluster's (and a ReferenceGrant's) business.
            const isService = (ref["group"] ?? "") === "" && (ref["kind"] ?? "Service") === "Service";
            if (!isService || (ref["namespace"] !== undefined && ref["namespace"] !== namespaceOf(object))) continue;
            const port = numeric(ref["port"]);
            need(object, `spec.rules.${ruleIndex}.backendRefs.${refIndex}`, text(ref["name"]), port !== undefined ? { number: port } : undefined);
          }
        }
      }
    }
    return problems;
  },
};

function nameOf(object: RenderedObject): string {
  return shown(record(object["metadata"])?.["name"] ?? "");
}

function namespaceOf(object: RenderedObject): string | undefined {
  return text(record(object["metadata"])?.["namespace"]);
}
