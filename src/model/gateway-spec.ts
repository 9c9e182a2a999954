import { z } from "zod";
import { annotationsSchema, DNS1123_LABEL, dnsSubdomain, labelsSchema } from "./environment-options.js";
import type { SpecProblem } from "./spec-problem.js";

/*
 * `httpRoute:` of an environment: a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) attached
 * to Gateways that exist outside this tree. The patterns below are the HTTPRoute CRD's own
 * (Gateway API v1.6.1, standard channel), so a value accepted here is accepted by the API server.
 */

/** ParentReference.sectionName and HTTPRoute hostnames' patterns, from the CRD. */
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Gateway API Duration (GEP-2257), the CRD's pattern for rules[].timeouts. */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/**
 * The request timeouts written when `httpRoute.timeouts` leaves one out. Gateway API leaves the
 * request timeout to the implementation when it is unset, and some use 15 s (Envoy's route
 * default): too short for a 50 MB upload on a slow link, and it would cut every WebSocket.
 * Upstream's Ingress gives nginx 3600 s read/send timeouts for the same reasons.
 */
export const HTTP_ROUTE_DEFAULT_TIMEOUTS = {
  // A whole upload's request/response, not an idle timeout.
  upload: "300s",
  // "0s" disables the request timeout (GEP-1742): a WebSocket is one long request.
  websocket: "0s",
} as const;

const duration = (what: string) =>
  z.string().regex(GATEWAY_DURATION, 'is not a Gateway API duration like "300s", "1h" or "0s" ("0s": no timeout)').describe(what);

const parentRefSchema = z
  .strictObject({
    name: dnsSubdomain("Gateway name").describe("The Gateway's name"),
    namespace: z
      .string()
      .max(63)
      .regex(DNS1123_LABEL, "is not a namespace name (a DNS-1123 label)")
      .optional()
      .describe("The Gateway's namespace; the environment's when absent"),
    sectionName: z
      .string()
      .max(253)
      .regex(SECTION_NAME, "is not a listener name (a DNS-1123 subdomain)")
      .optional()
      .describe("The Gateway listener to attach to (e.g. https); every listener that allows the route when absent"),
  })
  .describe("A Gateway the route attaches to");

/** The HTTPRoute of an environment. */
export const httpRouteSpecSchema = z
  .strictObject({
    parentRefs: z
      .array(parentRefSchema)
      .min(1, "must name at least one Gateway")
      .max(32, "has more than 32 entries (the CRD's limit)")
      .describe("The Gateways (and listeners) to attach to; they must allow routes from this namespace"),
    hostnames: z
      .array(
        z
          .string()
          .max(253)
          .regex(HOSTNAME, "is not a hostname (lowercase DNS name, optionally starting with *.)")
          .refine((host) => !/^[0-9.]+$/.test(host), "must be a DNS name, not an IP address (HTTPRoute hostnames take no IPs)")
          // The same rule for editors: the refinement does not reach the JSON Schema.
          .meta({ not: { pattern: "^[0-9.]+$" } }),
      )
      .min(1, "must hold at least one hostname (a route without one takes every host of its listener)")
      .max(16, "has more than 16 entries (the CRD's limit)")
      .describe("Hostnames the route answers"),
    exposeMetrics: z.boolean().optional().describe("Route /metrics (Prometheus, unauthenticated) to the backend").meta({ default: false }),
    timeouts: z
      .strictObject({
        upload: duration("Request timeout of routes that take uploads (/api), a whole upload's request and response")
          .optional()
          .meta({ default: HTTP_ROUTE_DEFAULT_TIMEOUTS.upload }),
        websocket: duration('Request timeout of WebSocket routes (/ws); "0s" is none, the socket stays open')
          .optional()
          .meta({ default: HTTP_ROUTE_DEFAULT_TIMEOUTS.websocket }),
      })
      .optional()
      .describe("rules[].timeouts.request per kind of route (Gateway API v1.2+, standard channel)"),
    annotations: annotationsSchema.optional().describe("Annotations of the HTTPRoute"),
    labels: labelsSchema.optional().describe("Labels added to the HTTPRoute"),
  })
  .describe(
    "A Gateway API HTTPRoute on existing Gateways: the same routes as the Ingress (/api, /ws, /health, /docs, /openapi.json, /metrics when asked, / to the frontend)",
  );

export type HttpRouteSpec = z.infer<typeof httpRouteSpecSchema>;

/**
 * The HTTPRoute CRD's CEL rules on parentRefs (x-kubernetes-validations, which a JSON Schema
 * validator does not run): two references to one parent need a sectionName each, and distinct
 * ones. Mirrored here, on the spec, so the problem names the environment's field.
 */
export function httpRouteProblems(spec: unknown): SpecProblem[] {
  const route = (spec as { httpRoute?: { parentRefs?: unknown } } | null)?.httpRoute;
  const refs = Array.isArray(route?.parentRefs) ? (route.parentRefs as Array<Record<string, unknown>>) : [];
  const problems: SpecProblem[] = [];
  refs.forEach((ref, index) => {
    const same = refs.filter((other) => other?.["name"] === ref?.["name"] && (other?.["namespace"] ?? "") === (ref?.["namespace"] ?? ""));
    if (same.length < 2) return;
    if (ref?.["sectionName"] === undefined) {
      problems.push({ field: ["httpRoute", "parentRefs", index, "sectionName"], message: "must be given: the same Gateway is referenced more than once" });
    } else if (same.filter((other) => other?.["sectionName"] === ref["sectionName"]).length > 1) {
      problems.push({ field: ["httpRoute", "parentRefs", index, "sectionName"], message: "must be unique among the references to the same Gateway" });
    }
  });
  return problems;
}
