/**
 * The one error class of argusai-kustomize. Every failure a user can cause or meet carries a
 * `code` from the closed list below, so scripts can branch on it without parsing messages, and
 * its problems as data (file, line, environment, field, message), from which the text is made.
 * Exit codes are the CLI's business (src/cli/exit.ts), not the library's.
 */

import { printable, quoted } from "./printable.js";

/** Every code an {@link ArgusKustomizeError} can carry, with what it means. */
export const ERROR_CODES = {
  INVALID_SPEC: "An EnvironmentSpec (from a script or a file) is invalid.",
  VALIDATION_FAILED: "A rendered overlay breaks the Kubernetes schema or a policy (validate, and generate before it writes).",
  USAGE: "The command line or a call is wrong (unknown command, option or environment).",
  PATCH_CONTAINER_NOT_FOUND: "A patch names a container the target resource does not have.",
  PATCH_PATH_UNRESOLVABLE: "A patch path does not resolve in the resource it targets.",
  PATCH_TEST_FAILED: "A patch's `test` guard failed: the base is not what the patch was built against.",
  PATCH_NO_EFFECT: "A patch (or one of its operations) would change nothing.",
  TARGET_NOT_FOUND: "A patch, image or replica entry targets a resource or image the base does not have.",
  WRITE_FAILED: "The target directory cannot be written as asked (a file in the way, not writable, a lock held too long).",
  TREE_INCOMPLETE: "The tree on disk cannot be used as it is (an interrupted generate, a missing seed file): run generate.",
  KUBECTL_NOT_FOUND: "No kubectl (nor standalone kustomize) could be started.",
  KUSTOMIZE_BUILD_FAILED: "kubectl kustomize / kustomize build exited non-zero or printed a warning.",
  FILE_ACCESS:
    "The operating system refused to read or write a path (permission, read-only file system, disk full, missing, a directory where a file belongs).",
  CONFIG_INVALID: "The config file (argusai-kustomize.config.*) cannot be loaded, or what it exports is not a valid config.",
  TREE_NOT_FOUND: "No tree (a .argusai-kustomize.json record or an argusai-kustomize.config.* file) in the working directory or above it.",
  UPGRADE_REFUSED:
    "generate would change an existing environment in a way a live cluster refuses (an immutable field) or that strands data (a namespace change); allow it per environment with --allow-replace after migrating by hand.",
} as const;

/** The closed list of error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a problem is: which environment, file, line and field, as far as known. */
export interface ErrorLocation {
  environment?: string;
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  field?: string;
}

/** One problem, as data: where it is and what is wrong. */
export interface Problem extends ErrorLocation {
  readonly message: string;
}

/**
 * A problem as one line: `file:line: environment "x", field y: message` (the parts that are
 * known; control characters in input-derived parts are shown escaped).
 */
export function formatProblem(problem: Problem): string {
  // Every part may come from input (a file name, a key, a value): escaped, never printed raw.
  const file = problem.file !== undefined ? `${printable(problem.file)}${problem.line !== undefined ? `:${problem.line}` : ""}: ` : "";
  const where = [
    problem.environment !== undefined ? `environment ${quoted(problem.environment)}` : undefined,
    problem.field !== undefined ? `field ${printable(problem.field)}` : undefined,
  ].filter((part) => part !== undefined);
  return `${file}${where.length > 0 ? `${where.join(", ")}: ` : ""}${printable(problem.message, { keepNewlines: true, maxLength: Number.POSITIVE_INFINITY })}`;
}

/**
 * The single error type thrown by the library.
 *
 * @example
 * try { await generate({ dir }) } catch (e) {
 *   if (e instanceof ArgusKustomizeError && e.code === "INVALID_SPEC") for (const p of e.problems) console.log(p.file, p.line, p.field);
 * }
 */
export class ArgusKustomizeError extends Error {
  override readonly name = "ArgusKustomizeError";
  readonly code: ErrorCode;
  /** Where the error is, when it is about one place. */
  readonly location: ErrorLocation;
  /** Every problem found in the same pass (all problems of every spec are reported at once). */
  readonly problems: readonly Problem[];
  /** What is wrong, without the location (`message` is this with the location in front). */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; location?: ErrorLocation; problems?: readonly Problem[] } = {}) {
    const problems = options.problems ?? [];
    const text = formatProblem({ ...(options.location ?? {}), message });
    super(problems.length > 0 ? `${text}:\n  ${problems.map(formatProblem).join("\n  ")}` : text, { cause: options.cause });
    this.code = code;
    this.location = options.location ?? {};
    this.problems = problems;
    this.reason = message;
  }
}
