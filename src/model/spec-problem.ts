/** A field of a spec: its keys from the root, e.g. `["replicas", "backend"]`. */
export type FieldPath = ReadonlyArray<string | number>;

/** One problem of a spec: the field and what is wrong with it. */
export interface SpecProblem {
  readonly field: FieldPath;
  readonly message: string;
}

/** `replicas.backend`, `config.LOG_LEVEL`, `images.backend.tag`. */
export function dotted(field: FieldPath): string {
  return field.join(".");
}

/** A value as a mapping, or an empty one: the rules read possibly malformed input. */
export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
