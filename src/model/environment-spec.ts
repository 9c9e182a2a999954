import { z } from "zod";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { printable } from "../printable.js";
import { BASE_CONFIG } from "./base.js";
import { ARGUSAI_COMPONENTS, componentNames, type ArgusComponent, type ComponentRegistry } from "./components.js";
import { CONFIG_KEY_PATTERN, configKeyProblem, configMapSizeProblem, configValueProblem } from "./config-data.js";
import {
  annotationsSchema,
  autoscalingSchema,
  disruptionBudgetSchema,
  DNS1123_LABEL,
  dnsSubdomain,
  extraPatchSchema,
  imageSchema,
  labelsSchema,
  networkPolicySchema,
  objectMetadataSchema,
  schedulingSchema,
} from "./environment-options.js";
import { compareQuantities, parseQuantity, QUANTITY_PATTERN, quantityProblem, type QuantityKind } from "./quantity.js";
import { argocdProblems, argocdSpecSchema } from "./argocd-spec.js";
// Monitoring (ServiceMonitor, PrometheusRule): its own schema and cross-field rules.
import { monitoringProblems, monitoringSpecSchema } from "./monitoring-spec.js";

/*
 * EnvironmentSpec has one definition: the zod schema below. The TypeScript type is inferred from
 * it, environment files are parsed with it, and the JSON Schema for editors
 * (schema/environment.schema.json) is generated from it, so the three cannot drift apart.
 */


const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `is longer than 63 characters: not a DNS-1123 label`)
    .regex(DNS1123_LABEL, `is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`)
    .describe(`${what}: a DNS-1123 label`);


/** A zod refinement from a pure `(value) => problem | undefined` rule (config-data.ts, quantity.ts). */
const refineWith =
  (problemOf: (value: string) => string | undefined) =>
  (value: string, context: z.core.$RefinementCtx<string>): void => {
    const problem = problemOf(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: value });
  };

const quantity = (example: string, kind: QuantityKind) =>
  z
    .string()
    .regex(QUANTITY_PATTERN, `is not a Kubernetes quantity (like ${example})`)
    .refine((value) => !value.startsWith("-"), "must not be negative")
    // The pattern is the grammar (and goes into the JSON Schema); the value limits are exact rules.
    .superRefine(refineWith((value) => (QUANTITY_PATTERN.test(value) ? quantityProblem(value, kind) : undefined)));

const wholeNumber = z.number({ error: "must be a number" }).int("is not a whole number").min(0, "must be >= 0").max(2_147_483_647, "is above 2147483647 (an int32)");

const imageVersionSchema = imageSchema;

const cpuMemory = (cpu: string, memory: string) =>
  z.strictObject({ cpu: quantity(cpu, "cpu").optional(), memory: quantity(memory, "bytes").optional() });

const resourceSpecSchema = z
  .strictObject({ requests: cpuMemory("250m", "512Mi").optional(), limits: cpuMemory("1000m", "1Gi").optional() })
  .describe("CPU and memory of a container; only the keys given change the base");

/** An object with one optional field per component of the registry. */
function perComponent<C extends string, T extends z.ZodType>(names: readonly C[], schema: T) {
  return z.strictObject(Object.fromEntries(names.map((name) => [name, schema.optional()])) as { [K in C]: z.ZodOptional<T> });
}

const secretSpecSchema = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("generated") }).describe("secretGenerator over a git-ignored secrets.env created with random values; never for production"),
    z.strictObject({ mode: z.literal("existing") }).describe("argusai-secrets is created outside this tree (kubectl, External Secrets, Sealed Secrets)"),
  ])
  .describe("How the argusai-secrets Secret reaches the namespace");

const ingressSpecSchema = z
  .strictObject({
    host: dnsSubdomain("hostname")
      .refine((host) => !/^[0-9.]+$/.test(host), "must be a DNS name, not an IP address (Ingress rules take hostnames only)")
      .describe("Public hostname"),
    tlsSecretName: dnsSubdomain("Secret name").optional().describe("Secret holding the TLS certificate; no TLS when absent"),
    className: dnsSubdomain("IngressClass name").optional().describe("spec.ingressClassName; the cluster default when absent"),
    exposeMetrics: z.boolean().optional().describe("Route /metrics (Prometheus, unauthenticated) to the backend on the public host. Default false"),
    annotations: annotationsSchema.optional().describe("Annotations of the Ingress (ingress-nginx gets WebSocket and upload defaults when className is nginx)"),
    labels: labelsSchema.optional().describe("Labels added to the Ingress"),
  })
  .describe("An Ingress on one host: /api, /ws, /health, /docs, /openapi.json (and /metrics when asked) to the backend, the rest to the frontend");

/**
 * The schema of an environment for a component registry (the single definition of
 * {@link EnvironmentSpec}): every per-component field has one optional key per component.
 *
 * @example
 * environmentSchemaFor(ARGUSAI_COMPONENTS).safeParse(JSON.parse(text));
 */
export function environmentSchemaFor<C extends string>(registry: ComponentRegistry<C>) {
  const names = componentNames(registry);
  return z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this JSON Schema, for editors; ignored"),
    name: dnsLabel("Overlay directory name (overlays/<name>)"),
    namespace: dnsLabel("Namespace of every object of the overlay"),
    production: z.boolean().optional().describe("Production: images must be pinned and the Secret must not be generated. Default false"),
    createNamespace: z.boolean().optional().describe("Write a Namespace enforcing the restricted Pod Security Standard. Default true"),
    images: perComponent(names, imageVersionSchema).optional().describe("Image version per component; the base's latest when absent"),
    replicas: perComponent(names, wholeNumber).optional().describe("Replicas per component; the backend at most 1 (single SQLite writer)"),
    resources: perComponent(names, resourceSpecSchema).optional().describe("Requests and limits per component, merged over the base's"),
    config: z
      .record(
        z.string().regex(CONFIG_KEY_PATTERN, "is not a valid ConfigMap key (letters, digits, '-', '_', '.')").superRefine(refineWith(configKeyProblem)),
        z.string({ error: "must be a string (quote numbers and booleans)" }).superRefine(refineWith(configValueProblem)),
      )
      .optional()
      .describe("Values merged into the argusai-config ConfigMap"),
    secret: secretSpecSchema,
    ingress: ingressSpecSchema.optional(),
    storage: z
      .strictObject({
        className: dnsSubdomain("StorageClass name").optional(),
        size: quantity("10Gi", "bytes")
          .refine((size) => { const parsed = parseQuantity(size); return !parsed.ok || parsed.value.nanos > 0n; }, "must be above zero")
          .optional(),
        accessMode: z
          .enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"], { error: 'must be "ReadWriteOnce", "ReadWriteOncePod" or "ReadWriteMany"' })
          .optional()
          .describe("Access mode of the data volume (base ReadWriteOnce)"),
        annotations: annotationsSchema.optional().describe("Annotations added to the PVC (e.g. a backup tool's)"),
        labels: labelsSchema.optional().describe("Labels added to the PVC"),
      })
      .optional()
      .describe("The data volume's StorageClass (cluster default when absent), size (base 10Gi), access mode and metadata"),
    disruptionBudgets: perComponent(names, disruptionBudgetSchema).optional().describe("A PodDisruptionBudget per component"),
    autoscaling: perComponent(names, autoscalingSchema).optional().describe("A HorizontalPodAutoscaler per stateless component (never a single writer)"),
    scheduling: perComponent(names, schedulingSchema).optional().describe("Where each component's pods may run"),
    imagePullSecrets: z
      .array(dnsSubdomain("Secret name"))
      .optional()
      .describe("Secrets (created outside this tree) the pods pull their images with"),
    networkPolicy: networkPolicySchema.optional(),
    serviceAccount: objectMetadataSchema.optional().describe("Labels and annotations of the ServiceAccount (e.g. workload identity)"),
    services: objectMetadataSchema.optional().describe("Labels and annotations added to every Service"),
    patches: z.array(extraPatchSchema).optional().describe("Escape hatch: JSON6902 patches against base objects, verified and guarded"),
    argocd: argocdSpecSchema.optional(),
    // Monitoring: a block of its own (monitoring-spec.ts).
    monitoring: monitoringSpecSchema.optional(),
  })
  .describe("An ArgusAI environment: everything its overlay differs in from the base");
}

/** The schema of an ArgusAI environment (backend and frontend). */
export const environmentSpecSchema = environmentSchemaFor(ARGUSAI_COMPONENTS);

/**
 * One environment, as data: everything its overlay differs in from the base. The same shape
 * comes from TypeScript or from an environment file, and one validator checks both.
 *
 * @example
 * const staging: EnvironmentSpec = {
 *   name: "staging",
 *   namespace: "argusai-staging",
 *   images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" } },
 *   secret: { mode: "existing" },
 * };
 */
export type EnvironmentSpec<C extends string = ArgusComponent> = z.infer<ReturnType<typeof environmentSchemaFor<C>>>;
/** An image version: a tag, or a digest (`sha256:` + 64 hex digits), never both. */
export type ImageVersion = z.infer<typeof imageVersionSchema>;
/** CPU and memory of a container; only the keys given change the base. */
export type ResourceSpec = z.infer<typeof resourceSpecSchema>;
/**
 * How the `argusai-secrets` Secret reaches the namespace: `generated` (a git-ignored, randomly
 * filled `secrets.env`, for laptops) or `existing` (created outside this tree).
 */
export type SecretSpec = z.infer<typeof secretSpecSchema>;
/** An Ingress in front of both components. */
export type IngressSpec = z.infer<typeof ingressSpecSchema>;

/** A field of a spec: its keys from the root, e.g. `["replicas", "backend"]`. */
export type FieldPath = ReadonlyArray<string | number>;

/** One problem of a spec: the field and what is wrong with it. */
export interface SpecProblem {
  readonly field: FieldPath;
  readonly message: string;
}

/** A spec to validate and where it came from, so problems can name the file and line. */
export interface EnvironmentSource {
  readonly spec: unknown;
  /** The file the spec was read from. */
  readonly file?: string;
  /** The 1-based line of a field in that file, where known. */
  readonly lineOf?: (field: FieldPath) => number | undefined;
  /**
   * Where the spec comes from: the tree's record, or this run's input (a file or script given now).
   * A clash between the two is reported on the input, which is what changed.
   * @default "input"
   */
  readonly origin?: "record" | "input";
}

/**
 * Every problem of a spec (shape, formats and cross-field rules), in field order; empty when the
 * spec is valid. Never throws.
 *
 * @example
 * validateEnvironment({ ...prodEnvironment(), replicas: { backend: 2 } });
 * // [{ field: ["replicas", "backend"], message: "must be 0 or 1: ..." }]
 */
export function validateEnvironment(input: unknown, registry: ComponentRegistry = ARGUSAI_COMPONENTS): SpecProblem[] {
  const schema = schemaOf(registry);
  const parsed = schema.safeParse(input, { reportInput: true });
  const problems: SpecProblem[] = [];
  const reported = new Set<string>();
  // One problem per field: the first (a value that is no quantity need not also be "not above zero").
  for (const problem of parsed.success ? [] : parsed.error.issues.flatMap((issue) => describeIssue(issue, schema))) {
    if (!reported.has(dotted(problem.field))) problems.push(problem);
    reported.add(dotted(problem.field));
  }
  // Cross-field rules also run on a spec with shape problems, so all problems come at once; a
  // field that already has a problem is not reported twice.
  // By the field's own prefixes (a set lookup each), not by scanning every reported field:
  // linear in the number of problems.
  for (const problem of crossFieldProblems(input, registry)) {
    if (!problem.field.some((_, index) => reported.has(dotted(problem.field.slice(0, index + 1))))) problems.push(problem);
  }
  return problems;
}

/**
 * Validates environments from scripts and files together: every problem of every spec, and
 * names used twice, in one INVALID_SPEC error. Returns the specs, typed.
 *
 * @throws ArgusKustomizeError INVALID_SPEC listing each problem as `file:line: environment "x", field y: message`
 */
export function loadEnvironments<C extends string = ArgusComponent>(
  sources: readonly EnvironmentSource[],
  registry: ComponentRegistry<C> = ARGUSAI_COMPONENTS as unknown as ComponentRegistry<C>,
): EnvironmentSpec<C>[] {
  const found: Problem[] = [];
  const names = new Map<string, string>();
  // Who owns each namespace: the first recorded environment in it, else the first given.
  const namespaces = new Map<string, EnvironmentSource>();
  for (const source of [...sources.filter((source) => source.origin === "record"), ...sources.filter((source) => source.origin !== "record")]) {
    const namespace = asRecord(source.spec)["namespace"];
    if (typeof namespace === "string" && !namespaces.has(namespace)) namespaces.set(namespace, source);
  }
  for (const source of sources) {
    const name = environmentName(source.spec);
    const problems = validateEnvironment(source.spec, registry);
    const previous = names.get(name);
    if (previous !== undefined) {
      problems.push({ field: ["name"], message: `"${name}" is already the name of the environment from ${previous}` });
    }
    names.set(name, source.file ?? "a script");
    // Two overlays in one namespace would own each other's objects: a `kubectl delete -k` or an
    // Argo CD prune of one would take the other's Deployments (and a generated Namespace) with it.
    const namespace = asRecord(source.spec)["namespace"];
    const owner = typeof namespace === "string" ? namespaces.get(namespace) : undefined;
    if (owner !== undefined && owner !== source && previous === undefined) {
      const where = owner.file !== undefined ? ` (${owner.file})` : "";
      problems.push({ field: ["namespace"], message: `"${String(namespace)}" is already the namespace of environment "${environmentName(owner.spec)}"${where}; environments must not share a namespace` });
    }
    // In file order where lines are known, so the list reads top to bottom.
    const located = problems.map((problem) => locate(source, name, problem)).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    found.push(...located);
  }
  if (found.length > 0) {
    const only = sources.length === 1 ? sources[0] : undefined;
    throw new ArgusKustomizeError("INVALID_SPEC", `${found.length} problem${found.length === 1 ? "" : "s"} in the environments`, {
      problems: found,
      ...(only !== undefined ? { location: { environment: environmentName(only.spec), ...(only.file !== undefined ? { file: only.file } : {}) } } : {}),
    });
  }
  return sources.map((source) => source.spec as EnvironmentSpec<C>);
}

/** `replicas.backend`, `config.LOG_LEVEL`, `images.backend.tag`. */
export function dotted(field: FieldPath): string {
  return field.join(".");
}

/** A spec problem as an error's problem: file, line, environment and dotted field. */
function locate(source: EnvironmentSource, name: string, problem: SpecProblem): Problem {
  const line = source.lineOf?.(problem.field);
  return {
    ...(source.file !== undefined ? { file: source.file } : {}),
    ...(line !== undefined ? { line } : {}),
    environment: name,
    field: dotted(problem.field) || "(top level)",
    // Values come from the input: cut short, so a 1 MiB value is not printed whole (the error
    // escapes every part when it is shown).
    message: printable(problem.message, { maxLength: 1000 }),
  };
}

/** The `name` of a spec that may be malformed, for messages and matching; "(unnamed)" when it has none. */
export function environmentName(spec: unknown): string {
  const name = typeof spec === "object" && spec !== null ? (spec as { name?: unknown }).name : undefined;
  return typeof name === "string" ? name : "(unnamed)";
}

const schemas = new WeakMap<ComponentRegistry, z.ZodType>();

/** The schema of a registry, built once per registry. */
function schemaOf(registry: ComponentRegistry): z.ZodType {
  let schema = schemas.get(registry);
  if (schema === undefined) {
    schema = environmentSchemaFor(registry);
    schemas.set(registry, schema);
  }
  return schema;
}

/** The field names the schema knows at `field` (for "did you mean"), read from the schema itself. */
function knownKeysAt(schema: z.ZodType, field: FieldPath): string[] {
  const unwrap = (node: z.core.$ZodType): z.core.$ZodType[] => {
    const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
    if (def.innerType !== undefined) return unwrap(def.innerType);
    if (def.options !== undefined) return def.options.flatMap(unwrap);
    return [node];
  };
  const child = (node: z.core.$ZodType, key: string | number): z.core.$ZodType[] => {
    const def = node._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType; element?: z.core.$ZodType };
    if (def.type === "object") return def.shape?.[key] !== undefined ? [def.shape[key]] : [];
    if (def.type === "record" && def.valueType !== undefined) return [def.valueType];
    if (def.type === "array" && def.element !== undefined) return [def.element];
    return [];
  };
  let nodes: z.core.$ZodType[] = [schema];
  for (const key of field) nodes = nodes.flatMap(unwrap).flatMap((node) => child(node, key));
  const keys = nodes.flatMap(unwrap).flatMap((node) => {
    const def = node._zod.def as { type: string; shape?: Record<string, unknown> };
    return def.type === "object" && def.shape !== undefined ? Object.keys(def.shape) : [];
  });
  return [...new Set(keys)];
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, prefix: FieldPath = []): SpecProblem[] {
  const field = [...prefix, ...issue.path.filter((key): key is string | number => typeof key !== "symbol")];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ field: [...field, key], message: `unknown field${suggestion(knownKeysAt(schema, field), key)}` }));
    case "invalid_union": {
      // Keys no branch knows (kustomize's `newTag:` under images.backend) are unknown fields,
      // whichever branch was meant; a branch counts as meant when only such keys upset it.
      const input = asRecord(issue.input);
      const known = knownKeysAt(schema, field);
      const unknown = known.length > 0 ? Object.keys(input).filter((key) => !known.includes(key)) : [];
      const unknownProblems = unknown.map((key) => ({ field: [...field, key], message: `unknown field${suggestion(known, key)}` }));
      const onlyUnknown = (nested: z.core.$ZodIssue) => nested.code === "unrecognized_keys" && nested.path.length === 0 && nested.keys.every((key) => unknown.includes(key));
      const matched = issue.errors.filter((branch) => !branch.some((nested) => nested.code === "unrecognized_keys" && nested.path.length === 0 && !onlyUnknown(nested)));
      if (matched.length === 1) return [...unknownProblems, ...matched[0]!.filter((nested) => !onlyUnknown(nested)).flatMap((nested) => describeIssue(nested, schema, field))];
      if (typeof issue.input !== "object" || issue.input === null || Array.isArray(issue.input)) {
        return [{ field, message: `must be a mapping, not ${typeName(issue.input)}` }];
      }
      if (field.at(-1) === "mode") return [{ field, message: `must be "generated" or "existing"` }];
      return [...unknownProblems, { field, message: "does not match any of the allowed forms" }];
    }    case "invalid_key":
      return [{ field, message: issue.issues[0]?.message ?? issue.message }];
    case "invalid_type":
      if (issue.input === undefined) return [{ field, message: "is required" }];
      if (issue.expected === "string" && (typeof issue.input === "number" || typeof issue.input === "boolean")) {
        return [{ field, message: `must be a string; quote it ("${String(issue.input)}"), YAML read ${typeof issue.input} ${String(issue.input)}` }];
      }
      if (!issue.message.startsWith("Invalid input")) return [{ field, message: issue.message }];
      return [{ field, message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${typeName(issue.input)}` }];
    case "too_big":
    case "too_small":
    case "invalid_format":
    case "invalid_value":
    case "not_multiple_of":
      // Ours carry a message written for people; the schema library's own wording does not.
      return [{ field, message: /^(Too (big|small)|Invalid)\b/.test(issue.message) ? "is not an allowed value" : issue.message }];
    default:
      return [{ field, message: issue.message.startsWith("Invalid input") ? "is not valid here" : issue.message }];
  }
}

/** What zod's `expected` types are called in a message. */
const EXPECTED: Readonly<Record<string, string>> = {
  object: "a mapping (key: value lines)",
  record: "a mapping (key: value lines)",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

/** How a wrong value is called in a message: its YAML kind, never the value itself. */
function typeName(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return `a ${typeof value}`;
}

/** kustomize's names for fields that are spelt differently here. */
const KUSTOMIZE_NAMES: Readonly<Record<string, string>> = { newTag: "tag", newName: "repository", count: "a number under replicas" };

function suggestion(known: readonly string[], key: string): string {
  const kustomize = KUSTOMIZE_NAMES[key];
  if (kustomize !== undefined && known.length > 0) return ` (kustomize's name; here it is ${kustomize})`;
  const close = known.find((candidate) => editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2);
  return close !== undefined ? ` (did you mean ${close}?)` : known.length > 0 ? ` (known: ${known.join(", ")})` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Rules that span fields; written against possibly malformed input, so every access is guarded. */
function crossFieldProblems(input: unknown, registry: ComponentRegistry): SpecProblem[] {
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
  problems.push(...monitoringProblems(input));
  return problems;
}

/** Namespaces every cluster has and manages itself. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

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

/**
 * The JSON Schema of an environment file, for editors (generated from {@link environmentSpecSchema};
 * shipped as `schema/environment.schema.json`). In YAML, point at it with
 * `# yaml-language-server: $schema=<path>/environment.schema.json`; in JSON, with `"$schema"`.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(environmentSpecSchema, { io: "input", unrepresentable: "throw" }),
    $id: "urn:argusai-kustomize:environment",
    title: "ArgusAI environment (argusai-kustomize)",
  };
}
