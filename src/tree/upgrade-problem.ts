import type { Problem } from "../errors.js";
import type { UpgradeFinding } from "./upgrade-guards.js";

/** A finding as an error's problem: environment, field, and what changes, why it is refused, what to do. */
export function upgradeProblem(finding: UpgradeFinding): Problem {
  return {
    environment: finding.environment,
    field: finding.field,
    message: `${finding.object} ${finding.objectField}: ${show(finding.before)} -> ${show(finding.after)}: ${finding.reason}; ${finding.fix}`,
  };
}

function show(value: unknown): string {
  return value === null || value === undefined ? "(none)" : JSON.stringify(value);
}
