import type { Policy, RenderedObject } from "./policies.js";

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
      const ports = ((object["spec"] as { ports?: Array<{ name?: string; port?: number }> } | undefined)?.ports ?? []);
      services.set(nameOf(object), {
        names: new Set(ports.flatMap((port) => (port.name !== undefined ? [port.name] : []))),
        numbers: new Set(ports.flatMap((port) => (port.port !== undefined ? [port.port] : []))),
      });
    }
    const problems: Array<{ object: string; field: string; message: string }> = [];
    const need = (object: RenderedObject, field: string, service: string | undefined, port: { name?: string; number?: number } | undefined) => {
      const where = `${String(object["kind"])}/${nameOf(object)}`;
      const found = service !== undefined ? services.get(service) : undefined;
      if (found === undefined) {
        problems.push({ object: where, field: `${field}.name`, message: `names Service ${service ?? "(none)"}, which the overlay does not render` });
      } else if (port?.name !== undefined ? !found.names.has(port.name) : port?.number === undefined || !found.numbers.has(port.number)) {
        const given = port?.name ?? (port?.number !== undefined ? String(port.number) : "(no port)");
        problems.push({ object: where, field: `${field}.port`, message: `port ${given} is not a port of Service ${service} (${[...found.names, ...found.numbers].join(", ")})` });
      }
    };
    for (const object of objects) {
      if (object["kind"] === "Ingress") {
        const spec = object["spec"] as IngressSpec | undefined;
        if (spec?.defaultBackend?.service !== undefined) need(object, "spec.defaultBackend.service", spec.defaultBackend.service.name, spec.defaultBackend.service.port);
        (spec?.rules ?? []).forEach((rule, ruleIndex) =>
          (rule.http?.paths ?? []).forEach((route, pathIndex) => {
            if (route.backend?.service !== undefined) need(object, `spec.rules.${ruleIndex}.http.paths.${pathIndex}.backend.service`, route.backend.service.name, route.backend.service.port);
          }),
        );
      }
      if (object["kind"] === "HTTPRoute") {
        const rules = (object["spec"] as { rules?: Array<{ backendRefs?: BackendRef[] }> } | undefined)?.rules ?? [];
        rules.forEach((rule, ruleIndex) =>
          (rule.backendRefs ?? []).forEach((ref, refIndex) => {
            // Only Services in the route's namespace are the overlay's to check; another kind or
            // namespace is the cluster's (and a ReferenceGrant's) business.
            const isService = (ref.group ?? "") === "" && (ref.kind ?? "Service") === "Service";
            if (!isService || (ref.namespace !== undefined && ref.namespace !== namespaceOf(object))) return;
            need(object, `spec.rules.${ruleIndex}.backendRefs.${refIndex}`, ref.name, ref.port !== undefined ? { number: ref.port } : undefined);
          }),
        );
      }
    }
    return problems;
  },
};

interface IngressServiceBackend {
  name?: string;
  port?: { name?: string; number?: number };
}

interface IngressSpec {
  defaultBackend?: { service?: IngressServiceBackend };
  rules?: Array<{ http?: { paths?: Array<{ backend?: { service?: IngressServiceBackend } }> } }>;
}

interface BackendRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  port?: number;
}

function nameOf(object: RenderedObject): string {
  return String((object["metadata"] as { name?: unknown } | undefined)?.name ?? "");
}

function namespaceOf(object: RenderedObject): string | undefined {
  const namespace = (object["metadata"] as { namespace?: unknown } | undefined)?.namespace;
  return typeof namespace === "string" ? namespace : undefined;
}
