/*
 * Reading rendered objects defensively: an escape-hatch patch or a hand edit may leave anything
 * where a field belongs (null, a list for a mapping, a mapping whose own key shadows toString).
 * These helpers never throw; they give `undefined` or nothing for a value of the wrong shape, and
 * the policy that reads them decides whether that is a violation. The same helpers as in
 * policies.ts, in a module of their own so policies that policies.ts imports can share them.
 */

/** A mapping, or `undefined` for anything else (a list, a string, null). */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The mappings of a list with their index (a position that is not a mapping is skipped); none when it is not a list. */
export function indexedRecords(value: unknown): Array<[Record<string, unknown>, number]> {
  return Array.isArray(value)
    ? value.flatMap((item: unknown, index) =>
        record(item) !== undefined ? [[item as Record<string, unknown>, index] as [Record<string, unknown>, number]] : [],
      )
    : [];
}

/** A value from an object as text: a string as it is, anything else as JSON (never a throw, whatever its prototype). */
export function shown(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/** A string field, or `undefined` when it is absent or not a string. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A number field, or `undefined` when it is absent or not a number. */
export function numeric(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}
