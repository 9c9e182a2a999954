import { SECRET_MODES } from "./secret-modes.js";
import type { z } from "zod";
import { asRecord, type FieldPath, type SpecProblem } from "./spec-problem.js";

/*
 * zod's issues translated into messages for people: the field, and what is wrong in words an
 * operator knows ("unknown field (did you mean replicas?)", "must be a string; quote it").
 */

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

/** The problems one zod issue stands for, worded for people. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, prefix: FieldPath = []): SpecProblem[] {
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
      const onlyUnknown = (nested: z.core.$ZodIssue) =>
        nested.code === "unrecognized_keys" && nested.path.length === 0 && nested.keys.every((key) => unknown.includes(key));
      const matched = issue.errors.filter(
        (branch) => !branch.some((nested) => nested.code === "unrecognized_keys" && nested.path.length === 0 && !onlyUnknown(nested)),
      );
      if (matched.length === 1)
        return [...unknownProblems, ...matched[0]!.filter((nested) => !onlyUnknown(nested)).flatMap((nested) => describeIssue(nested, schema, field))];
      if (typeof issue.input !== "object" || issue.input === null || Array.isArray(issue.input)) {
        return [{ field, message: `must be a mapping, not ${typeName(issue.input)}` }];
      }
      if (field.at(-1) === "mode")
        return [
          {
            field,
            message: `must be ${SECRET_MODES.map((mode) => `"${mode}"`)
              .join(", ")
              .replace(/, ([^,]*)$/, " or $1")}`,
          },
        ];
      return [...unknownProblems, { field, message: "does not match any of the allowed forms" }];
    }
    case "invalid_key":
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

/** kustomize's names for fields that are spelt differently here (a Map: a key like `__proto__` or `constructor` finds nothing). */
const KUSTOMIZE_NAMES: ReadonlyMap<string, string> = new Map([
  ["newTag", "tag"],
  ["newName", "repository"],
  ["count", "a number under replicas"],
]);

function suggestion(known: readonly string[], key: string): string {
  const kustomize = KUSTOMIZE_NAMES.get(key);
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
