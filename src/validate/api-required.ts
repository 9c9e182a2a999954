import { compareQuantities, parseQuantity } from "../model/quantity.js";
import type { Policy, RenderedObject } from "./policies.js";
import { indexedRecords, numeric, record, shown, text } from "./read-objects.js";

/*
 * The fields the API server requires of the kinds this tool renders, where the OpenAPI schema is
 * silent (it marks almost nothing required): an escape-hatch patch that removes one renders, passes
 * the schema, and is refused at apply. Mirrored from Kubernetes' own validation
 * (pkg/apis/core/validation ValidatePersistentVolumeClaimSpec, ValidateService, validateContainers;
 * pkg/apis/networking/validation ValidateIngressSpec, validateIngressBackend;
 * pkg/apis/autoscaling/validation validateHorizontalPodAutoscalerSpec,
 * ValidateCrossVersionObjectReference; pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec).
 * A workload's pod template, containers, their names and images and its selector are the
 * pod-template and workload-selector policies' (not repeated here); an HTTPRoute is judged by its
 * CRD schema. Two rules are ours, said so in their messages: a PodDisruptionBudget without a
 * selector and a NetworkPolicy without a podSelector are accepted by the API server, but the first
 * protects no pod and the second applies to every pod of the namespace.
 */

type Found = ReturnType<Policy["check"]>;

/** Access modes ValidatePersistentVolumeClaimSpec supports. */
const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

/** Kinds whose pods come from `spec.template`. */
const TEMPLATED = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

export const API_REQUIRED_POLICY: Policy = {
  id: "api-required-fields",
  summary:
    "every field the API server requires is present: a PVC's access modes and storage request, a Service's ports, a container port's number, an Ingress's rules and backends, an autoscaler's target and maxReplicas",
  fix: "keep the field the base renders: remove the escape-hatch operation that removes or empties it, or set the value through the environment's options",
  check: (objects) =>
    objects.flatMap((object): Found => {
      const kind = shown(object["kind"]);
      const where = `${kind}/${shown(record(object["metadata"])?.["name"] ?? "")}`;
      const spec = record(object["spec"]);
      const found = (field: string, message: string) => ({ object: where, field, message });
      switch (kind) {
        case "PersistentVolumeClaim":
          return claim(spec, found);
        case "Service":
          return service(spec, found);
        case "Ingress":
          return ingress(spec, found);
        case "HorizontalPodAutoscaler":
          return autoscaler(spec, found);
        case "PodDisruptionBudget":
          return budget(spec, found);
        case "NetworkPolicy":
          return record(spec?.["podSelector"]) === undefined
            ? [found("spec.podSelector", "is missing: the API server reads it as {} and the policy would apply to every pod of the namespace (our rule)")]
            : [];
        default:
          return TEMPLATED.includes(kind) ? workload(object, found) : [];
      }
    }),
};

type Report = (field: string, message: string) => Found[number];

/** ValidatePersistentVolumeClaimSpec: at least one supported access mode, a positive storage request. */
function claim(spec: Record<string, unknown> | undefined, found: Report): Found {
  const modes = spec?.["accessModes"];
  const problems: Found = [];
  if (!Array.isArray(modes) || modes.length === 0) {
    problems.push(found("spec.accessModes", "is missing or empty: the API server requires at least 1 access mode"));
  } else {
    modes.forEach((mode: unknown, index) => {
      if (!ACCESS_MODES.includes(text(mode) ?? ""))
        problems.push(found(`spec.accessModes.${index}`, `${shown(mode)} is not one of ${ACCESS_MODES.join(", ")}`));
    });
  }
  const storage = record(record(spec?.["resources"])?.["requests"])?.["storage"];
  const at = "spec.resources.requests.storage";
  if (storage === undefined || storage === null) {
    problems.push(found(at, "is missing: the API server requires the claim's storage request"));
  } else {
    const parsed = parseQuantity(typeof storage === "number" ? String(storage) : (text(storage) ?? ""));
    if (!parsed.ok) problems.push(found(at, `${shown(storage)} ${parsed.problem}`));
    else if (compareQuantities(parsed.value, { nanos: 0n }) <= 0) problems.push(found(at, `${shown(storage)} must be greater than zero`));
  }
  return problems;
}

/** ValidateService: a Service other than headless or ExternalName has ports; each has a number, and a name when there are several. */
function service(spec: Record<string, unknown> | undefined, found: Report): Found {
  if (spec?.["type"] === "ExternalName" || spec?.["clusterIP"] === "None") return [];
  const ports = spec?.["ports"];
  if (!Array.isArray(ports) || ports.length === 0) {
    return [found("spec.ports", "is missing or empty: a ClusterIP, NodePort or LoadBalancer Service needs at least one port")];
  }
  return ports.flatMap((item: unknown, index): Found => {
    const port = record(item);
    if (port === undefined) return [found(`spec.ports.${index}`, "is not a port (a mapping with port and targetPort)")];
    const problems: Found = [];
    if (!isPortNumber(port["port"])) problems.push(found(`spec.ports.${index}.port`, portProblem(port["port"])));
    if (ports.length > 1 && (text(port["name"]) ?? "") === "")
      problems.push(found(`spec.ports.${index}.name`, "is missing: a Service with several ports names each"));
    return problems;
  });
}

/** validateContainers / validateContainerPorts: every container and init container port has its number; init containers a name and an image. */
function workload(object: RenderedObject, found: Report): Found {
  const spec = record(object["spec"]);
  const replicas = spec?.["replicas"];
  const problems: Found = [];
  if (replicas !== undefined && !(Number.isInteger(replicas) && (replicas as number) >= 0)) {
    problems.push(found("spec.replicas", `${shown(replicas)} must be a whole number, 0 or more`));
  }
  const pod = record(record(spec?.["template"])?.["spec"]);
  for (const list of ["containers", "initContainers"] as const) {
    for (const [container, index] of indexedRecords(pod?.[list])) {
      const at = `spec.template.spec.${list}.${index}`;
      if (list === "initContainers") {
        for (const key of ["name", "image"] as const) {
          if ((text(container[key]) ?? "") === "") problems.push(found(`${at}.${key}`, "is missing: the API server requires it of every init container"));
        }
      }
      const ports = container["ports"];
      if (ports !== undefined && !Array.isArray(ports)) problems.push(found(`${at}.ports`, "is not a list of ports"));
      else
        (ports ?? []).forEach((item: unknown, portIndex: number) => {
          const value = record(item)?.["containerPort"];
          if (!isPortNumber(value)) problems.push(found(`${at}.ports.${portIndex}.containerPort`, portProblem(value)));
        });
    }
  }
  return problems;
}

/** ValidateIngressSpec: rules or a default backend; a rule's http has paths; each path a pathType, an absolute path and a backend. */
function ingress(spec: Record<string, unknown> | undefined, found: Report): Found {
  const rules = spec?.["rules"];
  const fallback = spec?.["defaultBackend"];
  const problems: Found = [];
  if ((!Array.isArray(rules) || rules.length === 0) && fallback === undefined) {
    problems.push(found("spec.rules", "is missing or empty and there is no defaultBackend: the API server requires one of them"));
  }
  if (fallback !== undefined) problems.push(...backend(fallback, "spec.defaultBackend", found));
  for (const [rule, index] of indexedRecords(rules)) {
    const http = rule["http"];
    if (http === undefined) continue;
    const paths = record(http)?.["paths"];
    if (!Array.isArray(paths) || paths.length === 0) {
      problems.push(found(`spec.rules.${index}.http.paths`, "is missing or empty: a rule's http needs at least one path"));
      continue;
    }
    paths.forEach((item: unknown, pathIndex: number) => {
      const at = `spec.rules.${index}.http.paths.${pathIndex}`;
      const entry = record(item);
      if (entry === undefined) {
        problems.push(found(at, "is not a path (a mapping with path, pathType and backend)"));
        return;
      }
      const pathType = text(entry["pathType"]);
      if (pathType === undefined) problems.push(found(`${at}.pathType`, "is missing: the API server requires it (Exact, Prefix or ImplementationSpecific)"));
      const value = entry["path"];
      const absolute = typeof value === "string" && value.startsWith("/");
      if ((pathType === "Exact" || pathType === "Prefix") && !absolute) problems.push(found(`${at}.path`, `${shown(value ?? "")} must be an absolute path`));
      problems.push(...backend(entry["backend"], `${at}.backend`, found));
    });
  }
  return problems;
}

/** validateIngressBackend: a service (with a name and a port name or number, not both) or a resource, not both. */
function backend(value: unknown, at: string, found: Report): Found {
  const target = record(value);
  const serviceRef = record(target?.["service"]);
  const resource = target?.["resource"];
  if (serviceRef !== undefined && resource !== undefined) return [found(at, "sets both a service and a resource backend")];
  if (resource !== undefined) return [];
  if (serviceRef === undefined) return [found(at, "is missing a service backend: the API server requires a service or a resource")];
  const problems: Found = [];
  if ((text(serviceRef["name"]) ?? "") === "") problems.push(found(`${at}.service.name`, "is missing"));
  const port = record(serviceRef["port"]);
  const named = (text(port?.["name"]) ?? "") !== "";
  const numbered = port?.["number"] !== undefined && port["number"] !== 0;
  if (named && numbered) problems.push(found(`${at}.service.port`, "sets both a name and a number"));
  else if (!named && !numbered) problems.push(found(`${at}.service.port`, "has neither a name nor a number: the API server requires one"));
  else if (numbered && !isPortNumber(port?.["number"])) problems.push(found(`${at}.service.port.number`, portProblem(port?.["number"])));
  return problems;
}

/** validateHorizontalPodAutoscalerSpec: a target with kind and name, maxReplicas of at least 1 and at least minReplicas. */
function autoscaler(spec: Record<string, unknown> | undefined, found: Report): Found {
  const target = record(spec?.["scaleTargetRef"]);
  const problems: Found = (["kind", "name"] as const)
    .filter((key) => (text(target?.[key]) ?? "") === "")
    .map((key) => found(`spec.scaleTargetRef.${key}`, "is missing: the API server requires the autoscaler's target"));
  const max = numeric(spec?.["maxReplicas"]);
  const min = spec?.["minReplicas"];
  if (max === undefined || !Number.isInteger(max) || max < 1) {
    problems.push(found("spec.maxReplicas", `${max === undefined ? "is missing" : `${max} is not allowed`}: it must be a whole number greater than 0`));
  } else if (typeof min === "number" && max < min) {
    problems.push(found("spec.maxReplicas", `${max} must be at least minReplicas (${min})`));
  }
  if (min !== undefined && !(Number.isInteger(min) && (min as number) >= 1)) {
    problems.push(found("spec.minReplicas", `${shown(min)} must be a whole number greater than 0`));
  }
  return problems;
}

/** ValidatePodDisruptionBudgetSpec: not both minAvailable and maxUnavailable; the selector is our rule. */
function budget(spec: Record<string, unknown> | undefined, found: Report): Found {
  const problems: Found = [];
  if (spec?.["minAvailable"] !== undefined && spec["maxUnavailable"] !== undefined) {
    problems.push(found("spec", "sets both minAvailable and maxUnavailable: the API server takes one"));
  }
  if (record(spec?.["selector"]) === undefined) {
    problems.push(found("spec.selector", "is missing: in policy/v1 a budget without a selector protects no pod (our rule; the API server accepts it)"));
  }
  return problems;
}

function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535;
}

function portProblem(value: unknown): string {
  return value === undefined ? "is missing: the API server requires the port number" : `${shown(value)} is not a port number: between 1 and 65535`;
}
