/** One problem of a rendered object, from the schema or a policy. */
export interface Violation {
  /** Stable id of the rule (see POLICIES, plus `schema`, `schema-unknown-field`, `schema-kind`). */
  readonly policy: string;
  /** `Kind/name` of the rendered object. */
  readonly object: string;
  /** Dotted path of the field, e.g. `spec.template.spec.containers.0.image`. */
  readonly field: string;
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** One line per violation: `[policy] Kind/name field: message (fix: ...)`. */
export function formatViolation(violation: Violation): string {
  return `[${violation.policy}] ${violation.object} ${violation.field}: ${violation.message} (fix: ${violation.fix})`;
}
