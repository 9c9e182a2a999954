import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { ArgusKustomizeError, type ErrorCode } from "../errors.js";
import { isOsError, fileAccessError } from "../os-errors.js";
import type { Output } from "./text.js";

/*
 * How a run ends: the exit codes of the contract, and one line on stderr per error. An error the
 * contract does not name is a bug: exit 70 (EX_SOFTWARE in sysexits.h), one line saying so and
 * where to report it, and its stack only when asked for (--debug or ARGUSAI_DEBUG=1).
 */

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, drift: 1, usage: 2, tool: 3, bug: 70 } as const;

/** The exit code of each error code: 1 a failed check, 2 bad input or usage (an OS error on a user's path included), 3 an external tool. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  INVALID_SPEC: EXIT.usage,
  VALIDATION_FAILED: EXIT.drift,
  USAGE: EXIT.usage,
  PATCH_CONTAINER_NOT_FOUND: EXIT.usage,
  PATCH_PATH_UNRESOLVABLE: EXIT.usage,
  PATCH_TEST_FAILED: EXIT.usage,
  PATCH_NO_EFFECT: EXIT.usage,
  TARGET_NOT_FOUND: EXIT.usage,
  WRITE_FAILED: EXIT.usage,
  TREE_INCOMPLETE: EXIT.usage,
  KUBECTL_NOT_FOUND: EXIT.tool,
  KUSTOMIZE_BUILD_FAILED: EXIT.tool,
  // generate refuses input that the cluster's current objects make invalid; check reports it as a failed check (1)
  UPGRADE_REFUSED: EXIT.usage,
  FILE_ACCESS: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  TREE_NOT_FOUND: EXIT.usage,
};

/** This package's package.json (found upwards from this file, bundled or not). */
function ownPackage(): { version?: string; bugs?: { url?: string } | string } {
  for (let url = new URL("./package.json", import.meta.url); ; url = new URL("../package.json", url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version?: string; bugs?: { url?: string } | string };
      if (pkg.name === "argusai-kustomize") return pkg;
    } catch {
      // not here: look one directory up
    }
    if (url.pathname === "/package.json") return {};
  }
}

const PACKAGE = ownPackage();

/** The version in this package's package.json. */
export const VERSION = PACKAGE.version ?? "unknown";

/** Where bugs are reported (package.json `bugs`). */
export const BUGS_URL = (typeof PACKAGE.bugs === "string" ? PACKAGE.bugs : PACKAGE.bugs?.url) ?? "https://github.com/argusai/argusai-kustomize/issues";

/** Whether the stack of a bug is wanted: `--debug` on the command line, or ARGUSAI_DEBUG=1. */
export function debugWanted(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes("--debug") || (env["ARGUSAI_DEBUG"] !== undefined && env["ARGUSAI_DEBUG"] !== "" && env["ARGUSAI_DEBUG"] !== "0");
}

/** commander's "error: unknown option '--x'\n(Did you mean --dir?)\n" as one project-form line. */
export function usageLine(text: string): string {
  const message = text
    .replace(/^error: /, "")
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
  return `argusai-kustomize: USAGE: ${message}; see argusai-kustomize --help\n`;
}

/** An OS error no command caught is still the user's path, not a bug. */
export function asContractError(error: unknown): unknown {
  return isOsError(error) ? fileAccessError(error) : error;
}

/** Reports `error` on `output.err` (unless commander did) and returns the exit code. */
export function exitCodeFor(thrown: unknown, output: Pick<Output, "err">, debug = debugWanted()): number {
  const error = asContractError(thrown);
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    if (error.exitCode === 0) return EXIT.ok;
    // No command at all: commander printed the help on stderr; say why it exits 2.
    if (error.code === "commander.help") output.err(usageLine("a command is required (init, generate, check, render, validate or diff)"));
    return EXIT.usage;
  }
  if (error instanceof ArgusKustomizeError) {
    output.err(`argusai-kustomize: ${error.code}: ${error.message}\n`);
    if (debug && error.cause instanceof Error && error.cause.stack !== undefined) output.err(`caused by: ${error.cause.stack}\n`);
    return EXIT_CODES[error.code];
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  output.err(
    `argusai-kustomize: internal error (a bug in argusai-kustomize ${VERSION}): ${message.split("\n")[0]}; please report it at ${BUGS_URL} with the command you ran` +
      (debug ? "\n" : " (run again with --debug or ARGUSAI_DEBUG=1 for the stack)\n"),
  );
  if (debug) output.err(`${error instanceof Error && error.stack !== undefined ? error.stack : String(error)}\n`);
  return EXIT.bug;
}
