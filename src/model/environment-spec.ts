import { z } from "zod";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { ARGUSAI_COMPONENTS, componentNames, type ArgusComponent, type ComponentRegistry } from "./components.js";
import { IMAGE_DIGEST, IMAGE_TAG } from "./images.js";
import { QUANTITY_PATTERN, quantityValue } from "./quantity.js";
import { argocdProblems, argocdSpecSchema } from "./argocd-spec.js";

/*
 * EnvironmentSpec has one definition: the zod schema below. The TypeScript type is inferred from
 * it, environment files are parsed with it, and the JSON Schema for editors
 * (schema/environment.schema.json) is generated from it, so the three cannot drift apart.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `is longer than 63 characters: not a DNS-1123 label`)
    .regex(DNS1123_LABEL, `is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`)
    .describe(`${what}: a DNS-1123 label`);

const dnsSubdomain = (what: string) =>
  z.string().max(253).regex(DNS1123_SUBDOMAIN, `is not a valid ${what} (lowercase DNS name)`);

const quantity = (example: string) =>
  z
    .string()
    .regex(QUANTITY_PATTERN, `is not a Kubernetes quantity (like ${example})`)
    .refine((value) => !value.startsWith("-"), "must not be negative");

const wholeNumber = z.number({ error: "must be a number" }).int("is not a whole number").min(0, "must be >= 0").max(2_147_483_647, "is above 2147483647 (an int32)");

const imageVersionSchema = z
  .union([
    z.strictObject({ tag: z.string().regex(IMAGE_TAG, "is not a valid image tag").describe("Image tag, e.g. 1.4.2") }),
    z.strictObject({ digest: z.string().regex(IMAGE_DIGEST, "is not sha256: followed by 64 lowercase hex digits").describe("Image digest, sha256:<64 hex>") }),
  ])
  .describe("An image version: a tag or a digest, never both");

const cpuMemory = (cpu: string, memory: string) =>
  z.strictObject({ cpu: quantity(cpu).optional(), memory: quantity(memory).optional() });

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
  })
  .describe("An Ingress: /api and /ws to the backend, the rest to the frontend");

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
        z.string().regex(CONFIG_KEY, "is not a valid ConfigMap key (letters, digits, '-', '_', '.')"),
        z
          .string({ error: "must be a string (quote numbers and booleans)" })
          .refine((value) => !/[\r\n]/.test(value), "must be one line (kustomize literals cannot hold a line break)")
          .refine((value) => !/^(["']).*\1$/s.test(value), "must not be wrapped in quotes: kustomize strips them from literals, so the pod would see the value without them"),
      )
      .optional()
      .describe("Values merged into the argusai-config ConfigMap"),
    secret: secretSpecSchema,
    ingress: ingressSpecSchema.optional(),
    storage: z
      .strictObject({
        className: dnsSubdomain("StorageClass name").optional(),
        size: quantity("10Gi")
          .refine((size) => (quantityValue(size) ?? 0) > 0, "must be above zero")
          .optional(),
      })
      .optional()
      .describe("The data volume's StorageClass (cluster default when absent) and size (base 10Gi)"),
    disruptionBudgets: perComponent(names, z.strictObject({ minAvailable: wholeNumber })).optional().describe("A PodDisruptionBudget per component"),
    argocd: argocdSpecSchema.optional(),
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
  for (const problem of crossFieldProblems(input, registry)) {
    if (![...reported].some((field) => dotted(problem.field).startsWith(field))) problems.push(problem);
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
  for (const source of sources) {
    const name = environmentName(source.spec);
    const problems = validateEnvironment(source.spec, registry);
    const previous = names.get(name);
    if (previous !== undefined) {
      problems.push({ field: ["name"], message: `"${name}" is already the name of the environment from ${previous}` });
    }
    names.set(name, source.file ?? "a script");
    // In file order where lines are known, so the list reads top to bottom.
    const located = problems.map((problem) => locate(source, name, problem)).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    found.push(...located);
  }
  if (found.length > 0) {
    const only = sources.length === 1 ? sources[0] : undefined;
    throw new ArgusKustomizeError("INVALID_SPEC", `${found.length} problem(s) in the environments`, {
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
    message: problem.message,
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
      // The branch whose keys matched (a tag, or a digest) knows what is wrong with the value.
      const matched = issue.errors.filter((branch) => !branch.some((nested) => nested.code === "unrecognized_keys" && nested.path.length === 0));
      if (matched.length === 1) return matched[0]!.flatMap((nested) => describeIssue(nested, schema, field));
      if (field[0] === "images") return [{ field, message: "give exactly one of tag or digest" }];
      if (field.at(-1) === "mode") return [{ field, message: `must be "generated" or "existing"` }];
      return [{ field, message: issue.message }];
    }
    case "invalid_key":
      return [{ field, message: issue.issues[0]?.message ?? issue.message }];
    case "invalid_type":
      if (issue.input === undefined) return [{ field, message: "is required" }];
      if (issue.expected === "string" && (typeof issue.input === "number" || typeof issue.input === "boolean")) {
        return [{ field, message: `must be a string; quote it ("${String(issue.input)}"), YAML read ${typeof issue.input} ${String(issue.input)}` }];
      }
      return [{ field, message: issue.message.startsWith("Invalid input") ? `must be ${issue.expected === "int" ? "a whole number" : `a ${issue.expected}`}` : issue.message }];
    default:
      return [{ field, message: issue.message }];
  }
}

function suggestion(known: readonly string[], key: string): string {
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
    if (production && (Object.keys(image).length === 0 || tag === "latest")) {
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
    const minAvailable = asRecord(asRecord(spec["disruptionBudgets"])[component])["minAvailable"];
    const count = typeof replicas === "number" ? replicas : 1;
    if (typeof minAvailable === "number" && Number.isInteger(minAvailable) && minAvailable >= count && minAvailable > 0) {
      problems.push({
        field: ["disruptionBudgets", component, "minAvailable"],
        message: `${minAvailable} with ${count} replica(s) would block every node drain; use fewer than the replicas`,
      });
    }
  }
  if (typeof spec["namespace"] === "string" && RESERVED_NAMESPACES.includes(spec["namespace"]) && spec["createNamespace"] !== false) {
    problems.push({ field: ["namespace"], message: `${spec["namespace"]} is managed by Kubernetes: set createNamespace: false, or the overlay would own (and relabel) it` });
  }
  if (production && asRecord(spec["secret"])["mode"] === "generated") {
    problems.push({ field: ["secret", "mode"], message: "a production environment must not generate its Secret; use mode: existing" });
  }
  problems.push(...argocdProblems(input));
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
    if (request !== undefined && limit !== undefined && (quantityValue(request) ?? 0) > (quantityValue(limit) ?? Infinity)) {
      return { name, request, limit };
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
