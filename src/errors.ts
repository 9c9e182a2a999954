import { printable, quoted } from "./printable.js";

/**
 * The one error class of argusai-kustomize. Every failure a user can cause or meet carries a
 * `code` from the closed list below, so scripts can branch on it and the CLI can map it to an
 * exit code without parsing messages.
 */

/** Every code an {@link ArgusKustomizeError} can carry, with the CLI exit code it maps to. */
export const ERROR_EXIT_CODES = {
  /** An EnvironmentSpec (from a script or a file) is invalid. */
  INVALID_SPEC: 2,
  /** A rendered overlay breaks the Kubernetes schema or a policy (validate, and generate before it writes). */
  VALIDATION_FAILED: 1,
  /** The command line is wrong (unknown command, option or environment). */
  USAGE: 2,
  /** A patch names a container the target resource does not have. */
  PATCH_CONTAINER_NOT_FOUND: 2,
  /** A patch path does not resolve in the resource it targets. */
  PATCH_PATH_UNRESOLVABLE: 2,
  /** A patch's `test` guard failed: the base is not what the patch was built against. */
  PATCH_TEST_FAILED: 2,
  /** A patch (or one of its operations) would change nothing. */
  PATCH_NO_EFFECT: 2,
  /** A patch, image or replica entry targets a resource or image the base does not have. */
  TARGET_NOT_FOUND: 2,
  /** The target directory cannot be written as asked (a file in the way, not writable). */
  WRITE_FAILED: 2,
  /** The tree on disk cannot be used as it is (an interrupted generate, a missing seed file): run generate. */
  TREE_INCOMPLETE: 2,
  /** No kubectl (nor standalone kustomize) could be started. */
  KUBECTL_NOT_FOUND: 3,
  /** kubectl kustomize / kustomize build exited non-zero or printed a warning. */
  KUSTOMIZE_BUILD_FAILED: 3,
} as const;

/** The closed list of error codes. */
export type ErrorCode = keyof typeof ERROR_EXIT_CODES;

/** Where a problem is: which environment, file and field, as far as known. */
export interface ErrorLocation {
  environment?: string;
  file?: string;
  field?: string;
}

/**
 * The single error type thrown by the library.
 *
 * @example
 * try { await generate({ dir }) } catch (e) {
 *   if (e instanceof ArgusKustomizeError && e.code === "KUBECTL_NOT_FOUND") installKubectl();
 * }
 */
export class ArgusKustomizeError extends Error {
  override readonly name = "ArgusKustomizeError";
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  /** Further problems found in the same pass (all problems of a spec are reported at once). */
  readonly problems: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; location?: ErrorLocation; problems?: readonly string[] } = {},
  ) {
    super(withLocation(message, options.location ?? {}), { cause: options.cause });
    this.code = code;
    this.location = options.location ?? {};
    this.problems = options.problems ?? [];
  }

  /** The exit code of the CLI contract for this error. */
  get exitCode(): number {
    return ERROR_EXIT_CODES[this.code];
  }
}

/**
 * One shape for every message: `file:line: environment "x", field y: message`, with the parts
 * that are known. Location parts come from input, so they are escaped; so is the message, but for
 * its line breaks (a list of problems, each escaped where it was made). A message that already
 * starts with its location (a list of problems, each naming its own) is not prefixed twice.
 */
function withLocation(message: string, location: ErrorLocation): string {
  const file = location.file !== undefined ? printable(location.file) : undefined;
  const names = [
    location.environment !== undefined ? `environment ${quoted(location.environment)}` : undefined,
    location.field !== undefined ? `field ${printable(location.field)}` : undefined,
  ].filter((part) => part !== undefined);
  const text = printable(message, { keepNewlines: true, maxLength: Number.POSITIVE_INFINITY });
  const where = [file, names.length > 0 ? names.join(", ") : undefined].filter((part) => part !== undefined);
  if (where.length === 0 || (file !== undefined && text.startsWith(`${file}:`)) || text.startsWith("environment \"")) return text;
  return `${where.join(": ")}: ${text}`;
}
