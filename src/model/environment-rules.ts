import { BASE_CONFIG } from "./base.js";
import type { ComponentRegistry } from "./components.js";
import { configMapSizeProblem } from "./config-data.js";
import { resourceSpecSchema, type ResourceSpec } from "./environment-schema.js";
import { compareQuantities, parseQuantity } from "./quantity.js";
import { argocdProblems } from "./argocd-spec.js";
import { asRecord, type SpecProblem } from "./spec-problem.js";

/** Rules that span fields; written against possibly malformed input, so every access is guarded. */
export function crossFieldProblems(input: unknown, registry: ComponentRegistry): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const spec = asRecord(input);
  const production = spec["production"] === true;
  for (const definition of registry) {
    const component = definition.name;
    const image = asRecord(asRecord(spec["images"])[component]);
    const tag = image["tag"];
    if (production && ((tag === undefined && image["digest"] === undefined) || tag === "latest")) {
      problems.push({ field: ["images", component], message: "a production environment must pin the image to a version tag or digest, never latest" });
    }
    const replicas = asRecord(spec["replicas"])[component];
    if (definition.singleWriter && typeof replicas === "number" && replicas > 1) {
      problems.push({ field: ["replicas", component], message: `must be 0 or 1: the ${component} is the single writer of its data (the backend: a SQLite file on a ReadWriteOnce volume)` });
    }
    const resources = resourceSpecSchema.safeParse(asRecord(spec["resources"])[component]);
    const conflict = resources.success ? requestAboveLimit(resources.data, definition.resources) : undefined;
    if (conflict !== undefined) {
      const fromSpec = resources.success && resources.data.requests?.[conflict.name] !== undefined ? "requests" : "limits";
      problems.push({
        field: ["resources", component, fromSpec, conflict.name],
        message: `request ${conflict.request} is above the limit ${conflict.limit} (a value not given is the base's)`,
      });
    }
    const autoscaling = asRecord(spec["autoscaling"])[component];
    if (autoscaling !== undefined && definition.singleWriter) {
      problems.push({ field: ["autoscaling", component], message: `the ${component} is a single writer: a second pod would write the same data, so it is never autoscaled` });
    } else if (autoscaling !== undefined && replicas !== undefined) {
      problems.push({ field: ["replicas", component], message: `the autoscaler (autoscaling.${component}) owns the replica count: remove replicas.${component}` });
    }
    const minReplicas = asRecord(autoscaling)["minReplicas"];
    const count = typeof minReplicas === "number" ? minReplicas : typeof replicas === "number" ? replicas : 1;
    const minAvailable = asRecord(asRecord(spec["disruptionBudgets"])[component])["minAvailable"];
    if ((typeof minAvailable === "number" && Number.isInteger(minAvailable) && minAvailable >= count && minAvailable > 0) || minAvailable === "100%") {
      problems.push({
        field: ["disruptionBudgets", component, "minAvailable"],
        message: `${minAvailable} with ${count} replica(s) would block every node drain; use fewer than the replicas, or say so plainly with maxUnavailable: 0`,
      });
    }
  }
  if (typeof spec["namespace"] === "string" && RESERVED_NAMESPACES.includes(spec["namespace"]) && spec["createNamespace"] !== false) {
    problems.push({ field: ["namespace"], message: `${spec["namespace"]} is managed by Kubernetes: set createNamespace: false, or the overlay would own (and relabel) it` });
  }
  const config = asRecord(spec["config"]);
  if (Object.keys(config).length > 0) {
    const merged: Record<string, string> = { ...BASE_CONFIG };
    for (const [key, value] of Object.entries(config)) if (typeof value === "string") merged[key] = value;
    const tooLarge = configMapSizeProblem(merged);
    if (tooLarge !== undefined) problems.push({ field: ["config"], message: tooLarge });
  }
  if (production && asRecord(spec["secret"])["mode"] === "generated") {
    problems.push({ field: ["secret", "mode"], message: "a production environment must not generate its Secret; use mode: existing" });
  }
  problems.push(...argocdProblems(input));
  return problems;
}

/** Namespaces every cluster has and manages itself. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Whether a component's resources, merged over `base`, keep every request within its limit. */
export function requestAboveLimit(
  wanted: ResourceSpec | undefined,
  base: { readonly requests?: Readonly<Record<string, string>>; readonly limits?: Readonly<Record<string, string>> },
): { name: "cpu" | "memory"; request: string; limit: string } | undefined {
  for (const name of ["cpu", "memory"] as const) {
    const request = wanted?.requests?.[name] ?? base.requests?.[name];
    const limit = wanted?.limits?.[name] ?? base.limits?.[name];
    // Exact, as the API server compares them ("700m" is "0.7"); a value that is no quantity is
    // reported on its own field.
    const requested = request !== undefined ? parseQuantity(request) : undefined;
    const limited = limit !== undefined ? parseQuantity(limit) : undefined;
    if (requested?.ok === true && limited?.ok === true && compareQuantities(requested.value, limited.value) > 0) {
      return { name, request: request!, limit: limit! };
    }
  }
  return undefined;
}
