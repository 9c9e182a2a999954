import { NAMES } from "../model/base.js";
import type { ComponentDefinition } from "../model/components.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { HTTP_ROUTE_DEFAULT_TIMEOUTS, type HttpRouteSpec } from "../model/gateway-spec.js";
import { sharedLabels } from "../model/labels.js";

/*
 * The Gateway API HTTPRoute of an environment: the routes the Ingress has (from the component
 * registry), attached to Gateways that exist outside this tree. kubernetes-types has no Gateway API
 * types; the fields below are the HTTPRoute v1 ones this project writes, and every rendered route
 * is validated against the CRD's schema.
 */

/** gateway.networking.k8s.io/v1 HTTPRoute, as far as written here. */
export interface HTTPRoute {
  apiVersion: "gateway.networking.k8s.io/v1";
  kind: "HTTPRoute";
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    parentRefs: Array<{ name: string; namespace?: string; sectionName?: string }>;
    hostnames: string[];
    rules: HTTPRouteRule[];
  };
}

interface HTTPRouteRule {
  matches: Array<{ path: { type: "PathPrefix"; value: string } }>;
  backendRefs: Array<{ name: string; port: number }>;
  timeouts?: { request: string };
}

/**
 * One HTTPRoute for every component: per component and kind of traffic one rule, so a WebSocket
 * and an upload route get their own timeout; routes with no special traffic keep the Gateway's.
 */
export function httpRoute(components: readonly ComponentDefinition[], spec: EnvironmentSpec<string>): HTTPRoute {
  const route: HttpRouteSpec = spec.httpRoute!;
  const rules: HTTPRouteRule[] = [];
  for (const component of components) {
    if (component.port === undefined) continue;
    const served = (component.routes ?? []).filter(
      (candidate) => candidate.optIn === undefined || (candidate.optIn === "metrics" && route.exposeMetrics === true),
    );
    // Plain routes first, then each kind of traffic, in registry order.
    for (const traffic of [undefined, "upload", "websocket"] as const) {
      const paths = served.filter((candidate) => candidate.traffic === traffic).map((candidate) => candidate.path);
      if (paths.length === 0) continue;
      const timeout = traffic === undefined ? undefined : (route.timeouts?.[traffic] ?? HTTP_ROUTE_DEFAULT_TIMEOUTS[traffic]);
      rules.push({
        matches: paths.map((value) => ({ path: { type: "PathPrefix", value } })),
        // The Service's port number: HTTPRoute backendRefs cannot name a port.
        backendRefs: [{ name: component.deploymentName, port: component.port }],
        ...(timeout !== undefined ? { timeouts: { request: timeout } } : {}),
      });
    }
  }
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: NAMES.ingress,
      labels: { ...route.labels, ...sharedLabels() },
      ...(route.annotations !== undefined && Object.keys(route.annotations).length > 0 ? { annotations: sortedRecord(route.annotations) } : {}),
    },
    spec: {
      parentRefs: route.parentRefs.map((parent) => ({
        name: parent.name,
        ...(parent.namespace !== undefined ? { namespace: parent.namespace } : {}),
        ...(parent.sectionName !== undefined ? { sectionName: parent.sectionName } : {}),
      })),
      hostnames: [...route.hostnames],
      rules,
    },
  };
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]!]),
  );
}
