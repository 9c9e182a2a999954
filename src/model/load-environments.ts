import type { z } from "zod";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { printable } from "../printable.js";
import { ARGUSAI_COMPONENTS, type ArgusComponent, type ComponentRegistry } from "./components.js";
import { environmentSchemaFor, type EnvironmentSpec } from "./environment-schema.js";
import { crossFieldProblems } from "./environment-rules.js";
import { describeIssue } from "./spec-messages.js";
import { asRecord, dotted, type FieldPath, type SpecProblem } from "./spec-problem.js";

/*
 * Validating and loading environments: the schema's problems and the cross-field rules together,
 * every one at once, located by file and line.
 */

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
      problems.push({
        field: ["namespace"],
        message: `"${String(namespace)}" is already the namespace of environment "${environmentName(owner.spec)}"${where}; environments must not share a namespace`,
      });
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
