import { minAvailableBlocksDrain } from "../kubernetes/disruption.js";
import { BASE_CONFIG } from "./base.js";
import type { ComponentDefinition, ComponentRegistry } from "./components.js";
import { configMapSizeProblem } from "./config-data.js";
import { autoscalingSchema, disruptionBudgetSchema } from "./environment-options.js";
import { resourceSpecSchema, type ResourceSpec } from "./environment-schema.js";
import { compareQuantities, parseQuantity } from "./quantity.js";
import { argocdProblems } from "./argocd-spec.js";
import { httpRouteProblems } from "./gateway-spec.js";
import { monitoringNetworkPolicyProblems, monitoringScrapeTimeoutProblems } from "./monitoring-spec.js";
import { asRecord, type SpecProblem } from "./spec-problem.js";

/*
 * The rules of an environment that span fields, which neither the zod schema nor the JSON Schema
 * can say. Shaped like the policies (id, summary, check), so the field reference lists them from
 * the rules themselves. Each check reads possibly malformed input, so every access is guarded;
 * and a rule never derives a problem from a field that is itself wrong (a typo in autoscaling
 * does not also produce a drain warning computed without it).
 */

/** One cross-field rule of an environment. */
export interface EnvironmentRule {
  readonly id: string;
  /** What the rule demands, in one sentence (listed in the field reference). */
  readonly summary: string;
  /** Every problem of `spec` under this rule; `spec` may be malformed. */
  check(spec: Readonly<Record<string, unknown>>, registry: ComponentRegistry): SpecProblem[];
  /**
   * The rule as JSON Schema (added to the root's allOf), where JSON Schema can say it; absent
   * when it cannot (a comparison of quantities, a computed count), and then the field reference
   * lists the rule as checked by the validator only.
   */
  readonly jsonSchema?: (registry: ComponentRegistry) => Record<string, unknown>[];
}

const PRODUCTION = { required: ["production"], properties: { production: { const: true } } };

/** Namespaces every cluster has and manages itself. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Per component of the registry, with the spec's production flag at hand. */
function perComponent(check: (spec: Readonly<Record<string, unknown>>, definition: ComponentDefinition) => SpecProblem[]): EnvironmentRule["check"] {
  return (spec, registry) => registry.flatMap((definition) => check(spec, definition));
}

/** The cross-field rules, in the order their problems are reported. */
export const ENVIRONMENT_RULES: readonly EnvironmentRule[] = [
  {
    id: "production-pinned-images",
    summary: "A production environment pins every component's image to a version tag or a digest, never latest.",
    check: perComponent((spec, { name }) => {
      const image = asRecord(asRecord(spec["images"])[name]);
      const tag = image["tag"];
      const unpinned = (tag === undefined && image["digest"] === undefined) || tag === "latest";
      return spec["production"] === true && unpinned
        ? [{ field: ["images", name], message: "a production environment must pin the image to a version tag or digest, never latest" }]
        : [];
    }),
    jsonSchema: (registry) => {
      const pinned = { anyOf: [{ required: ["digest"] }, { required: ["tag"], properties: { tag: { not: { const: "latest" } } } }] };
      const names = registry.map(({ name }) => name);
      return [
        {
          if: PRODUCTION,
          then: { required: ["images"], properties: { images: { required: names, properties: Object.fromEntries(names.map((name) => [name, pinned])) } } },
        },
      ];
    },
  },
  {
    id: "single-writer-replicas",
    summary: "A single-writer component (the backend: SQLite on a ReadWriteOnce volume) runs 0 or 1 replica.",
    check: perComponent((spec, { name, singleWriter }) => {
      const replicas = asRecord(spec["replicas"])[name];
      return singleWriter === true && typeof replicas === "number" && replicas > 1
        ? [
            {
              field: ["replicas", name],
              message: `must be 0 or 1: the ${name} is the single writer of its data (the backend: a SQLite file on a ReadWriteOnce volume)`,
            },
          ]
        : [];
    }),
    jsonSchema: (registry) => [
      {
        properties: {
          replicas: { properties: Object.fromEntries(registry.filter(({ singleWriter }) => singleWriter).map(({ name }) => [name, { maximum: 1 }])) },
        },
      },
    ],
  },
  {
    id: "requests-within-limits",
    summary: "Every CPU and memory request is at most its limit, the base's values filling in what is not given (as the API server compares them, exactly).",
    check: perComponent((spec, definition) => {
      const wanted = validQuantities(asRecord(spec["resources"])[definition.name]);
      return requestsAboveLimits(wanted, definition.resources).map((conflict) => ({
        field: ["resources", definition.name, wanted?.requests?.[conflict.name] !== undefined ? "requests" : "limits", conflict.name],
        // Both are valid quantities (digits, a sign, a suffix): nothing to escape.
        message: `request ${conflict.request} is above the limit ${conflict.limit} (a value not given is the base's)`,
      }));
    }),
  },
  {
    id: "autoscaling-owns-replicas",
    summary: "A single-writer component is never autoscaled; an autoscaled component has no fixed replica count.",
    check: perComponent((spec, { name, singleWriter }) => {
      const autoscaling = asRecord(spec["autoscaling"])[name];
      if (autoscaling === undefined) return [];
      if (singleWriter === true) {
        return [{ field: ["autoscaling", name], message: `the ${name} is a single writer: a second pod would write the same data, so it is never autoscaled` }];
      }
      return asRecord(spec["replicas"])[name] !== undefined
        ? [{ field: ["replicas", name], message: `the autoscaler (autoscaling.${name}) owns the replica count: remove replicas.${name}` }]
        : [];
    }),
    jsonSchema: (registry) => [
      ...registry.filter(({ singleWriter }) => singleWriter).map(({ name }) => ({ properties: { autoscaling: { not: { required: [name] } } } })),
      ...registry
        .filter(({ singleWriter }) => !singleWriter)
        .map(({ name }) => ({
          if: { required: ["autoscaling"], properties: { autoscaling: { required: [name] } } },
          then: { properties: { replicas: { not: { required: [name] } } } },
        })),
    ],
  },
  {
    id: "disruption-budget-allows-drain",
    summary:
      "A disruption budget's minAvailable leaves at least one pod to evict, computed as the disruption controller does: a percentage of the replicas (or the autoscaler's minimum) rounded up. maxUnavailable: 0 says a blocked drain plainly.",
    check: perComponent((spec, { name }) => {
      const budget = disruptionBudgetSchema.safeParse(asRecord(spec["disruptionBudgets"])[name]);
      const minAvailable = budget.success ? budget.data.minAvailable : undefined;
      const count = expectedPods(spec, name);
      // No count when the replicas or the autoscaler are themselves wrong: their own problem is
      // reported, and a drain warning computed without them would mislead.
      if (minAvailable === undefined || count === undefined) return [];
      const desired = minAvailableBlocksDrain(minAvailable, count);
      if (desired === undefined) return [];
      const rounded = typeof minAvailable === "string" ? ` (${minAvailable} of ${count}, rounded up as the disruption controller does, is ${desired})` : "";
      return [
        {
          field: ["disruptionBudgets", name, "minAvailable"],
          message: `${minAvailable} with ${count} replica(s)${rounded} would block every node drain; use fewer than the replicas, or say so plainly with maxUnavailable: 0`,
        },
      ];
    }),
  },
  {
    id: "reserved-namespace-not-owned",
    summary:
      "An environment in a namespace Kubernetes manages (default, kube-system, kube-public, kube-node-lease) does not create it (createNamespace: false).",
    check: (spec) =>
      typeof spec["namespace"] === "string" && RESERVED_NAMESPACES.includes(spec["namespace"]) && spec["createNamespace"] !== false
        ? [
            {
              field: ["namespace"],
              message: `${spec["namespace"]} is managed by Kubernetes: set createNamespace: false, or the overlay would own (and relabel) it`,
            },
          ]
        : [],
    jsonSchema: () => [
      {
        if: { required: ["namespace"], properties: { namespace: { enum: RESERVED_NAMESPACES } } },
        then: { required: ["createNamespace"], properties: { createNamespace: { const: false } } },
      },
    ],
  },
  {
    id: "config-map-size",
    summary: "The argusai-config ConfigMap, the base's values merged with config, stays within the API server's 1 MiB.",
    check: (spec) => {
      const config = asRecord(spec["config"]);
      if (Object.keys(config).length === 0) return [];
      const merged: Record<string, string> = { ...BASE_CONFIG };
      for (const [key, value] of Object.entries(config)) if (typeof value === "string") merged[key] = value;
      const tooLarge = configMapSizeProblem(merged);
      return tooLarge !== undefined ? [{ field: ["config"], message: tooLarge }] : [];
    },
  },
  {
    id: "production-secret-existing",
    summary: "A production environment does not generate its Secret (secret.mode: existing, externalSecret or sealedSecret).",
    check: (spec) =>
      spec["production"] === true && asRecord(spec["secret"])["mode"] === "generated"
        ? [{ field: ["secret", "mode"], message: "a production environment must not generate its Secret; use mode: existing" }]
        : [],
    jsonSchema: () => [{ if: PRODUCTION, then: { properties: { secret: { properties: { mode: { not: { const: "generated" } } } } } } }],
  },
  {
    id: "argocd-not-generated-secret",
    summary: "An environment Argo CD syncs does not generate its Secret: the generated secrets.env exists only on the machine that ran generate.",
    check: (spec) => argocdProblems(spec),
    jsonSchema: () => [
      {
        if: { required: ["argocd"], properties: { argocd: { required: ["enabled"], properties: { enabled: { const: true } } } } },
        then: { properties: { secret: { properties: { mode: { not: { const: "generated" } } } } } },
      },
    ],
  },
  {
    id: "http-route-distinct-sections",
    summary:
      "Two references to the same Gateway need a sectionName each, and distinct ones (the HTTPRoute CRD's CEL rule, which schema validation does not run).",
    check: (spec) => httpRouteProblems(spec),
  },
  {
    id: "monitoring-network-policy",
    summary:
      "Monitoring with a NetworkPolicy names the namespace Prometheus runs in (networkPolicy.monitoringNamespace), or the policy would drop every scrape.",
    check: (spec) => monitoringNetworkPolicyProblems(spec),
    jsonSchema: () => [{ if: { required: ["monitoring", "networkPolicy"] }, then: { properties: { networkPolicy: { required: ["monitoringNamespace"] } } } }],
  },
  {
    id: "monitoring-scrape-timeout",
    summary: "monitoring.scrapeTimeout is at most monitoring.interval (Prometheus refuses a longer one).",
    check: (spec) => monitoringScrapeTimeoutProblems(spec),
  },
];

/** Every cross-field problem of `input` (possibly malformed), rule by rule. */
export function crossFieldProblems(input: unknown, registry: ComponentRegistry): SpecProblem[] {
  const spec = asRecord(input);
  return ENVIRONMENT_RULES.flatMap((rule) => rule.check(spec, registry));
}

/**
 * The pods the disruption controller expects: the autoscaler's minimum, else the replicas, else
 * the base's one; `undefined` when the field it would come from is itself invalid.
 */
function expectedPods(spec: Readonly<Record<string, unknown>>, component: string): number | undefined {
  const autoscaling = asRecord(spec["autoscaling"])[component];
  if (autoscaling !== undefined) {
    const parsed = autoscalingSchema.safeParse(autoscaling);
    return parsed.success ? parsed.data.minReplicas : undefined;
  }
  const replicas = asRecord(spec["replicas"])[component];
  if (replicas === undefined) return 1;
  return typeof replicas === "number" && Number.isInteger(replicas) && replicas >= 0 ? replicas : undefined;
}

/**
 * A component's resources keeping only the values that are quantities (each bad one is reported
 * on its own field), so one bad value does not hide a conflict between the others.
 */
function validQuantities(resources: unknown): ResourceSpec | undefined {
  const kept: Record<string, Record<string, string>> = {};
  for (const kind of ["requests", "limits"] as const) {
    for (const name of ["cpu", "memory"] as const) {
      const value = asRecord(asRecord(resources)[kind])[name];
      if (typeof value !== "string") continue;
      const single = resourceSpecSchema.safeParse({ [kind]: { [name]: value } });
      if (!single.success) continue;
      kept[kind] ??= {};
      kept[kind][name] = value;
    }
  }
  return kept as ResourceSpec;
}

type BaseResources = { readonly requests?: Readonly<Record<string, string>>; readonly limits?: Readonly<Record<string, string>> };

/** Every resource whose request, merged over `base`, is above its limit. */
function requestsAboveLimits(wanted: ResourceSpec | undefined, base: BaseResources): { name: "cpu" | "memory"; request: string; limit: string }[] {
  const conflicts: { name: "cpu" | "memory"; request: string; limit: string }[] = [];
  for (const name of ["cpu", "memory"] as const) {
    const request = wanted?.requests?.[name] ?? base.requests?.[name];
    const limit = wanted?.limits?.[name] ?? base.limits?.[name];
    // Exact, as the API server compares them ("700m" is "0.7").
    const requested = request !== undefined ? parseQuantity(request) : undefined;
    const limited = limit !== undefined ? parseQuantity(limit) : undefined;
    if (requested?.ok === true && limited?.ok === true && compareQuantities(requested.value, limited.value) > 0)
      conflicts.push({ name, request: request!, limit: limit! });
  }
  return conflicts;
}

/** Whether a component's resources, merged over `base`, keep every request within its limit: the first conflict. */
export function requestAboveLimit(
  wanted: ResourceSpec | undefined,
  base: BaseResources,
): { name: "cpu" | "memory"; request: string; limit: string } | undefined {
  return requestsAboveLimits(wanted, base)[0];
}
