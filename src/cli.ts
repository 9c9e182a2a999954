// The bin's first lines are written by scripts/bundle.mjs (a /bin/sh line that starts
// `node -- dist/bin/argusai-kustomize.js`), not here: Node 20 scans its whole command line for
// --env-file, the script's own arguments included (a missing file kills it with exit 9; a present
// one has its NODE_OPTIONS applied), so our `--env-file` needs "node --" in front of the script,
// and `#!/usr/bin/env -S node --` fails under BusyBox env (Alpine CI images), which has no -S.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ArgusKustomizeError, type ErrorCode } from "./errors.js";
import { check, generate, render, validate } from "./pipeline.js";
import { formatViolation } from "./validate/violation.js";
import type { EnvironmentNotice } from "./model/built-in-environments.js";

/** Exit codes of the CLI contract (DESIGN.md §1). */
const EXIT = { ok: 0, drift: 1, usage: 2, tool: 3 } as const;

/** The exit code of each error code: 1 a failed check, 2 bad input or usage, 3 an external tool. */
const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
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
};

const version = packageVersion();

const HELP_AFTER = `
Exit codes:
  0  ok
  1  drift (check) or a failed check (validate: a schema or policy violation)
  2  bad input or usage (an invalid environment file, an unknown option, command or environment)
  3  an external tool failed or is missing (kubectl / kustomize)

Environment:
  KUBECTL    the kubectl to render with (default: kubectl on PATH)
  KUSTOMIZE  the standalone kustomize, used when there is no kubectl (default: kustomize on PATH)

Errors are printed on stderr as "argusai-kustomize: CODE: message".

Examples:
  argusai-kustomize generate                               write base/ and overlays/ (dev, prod) here
  argusai-kustomize generate --env-file envs/staging.yaml  add or update the staging overlay
  argusai-kustomize check                                  in CI: exit 1 and a diff when the tree is stale
  argusai-kustomize validate prod                          schema and policy checks of overlays/prod
  argusai-kustomize render prod | kubectl apply -f -       what kubectl apply -k overlays/prod applies
`;

const program = new Command()
  .name("argusai-kustomize")
  .version(version)
  .description("Writes and checks the kustomize base and overlays of ArgusAI")
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({
    writeErr: (text) => process.stderr.write(text),
    // commander's own errors (unknown option or command, missing argument) in the one form every
    // error of this CLI has, so scripts and CI logs parse a single shape.
    outputError: (text, write) => write(usageLine(text)),
  })
  .addHelpText("after", HELP_AFTER);

/** `--env-file` may be given many times. */
const collect = (value: string, previous: string[]) => [...previous, value];
const ENV_FILE_HELP = "an environment file (YAML or JSON); replaces the recorded environment of its name, or adds one; repeatable";

program
  .command("generate")
  .description("write base/ and overlays/ into DIR, render every overlay with kustomize, print a summary")
  .option("--dir <dir>", "target directory", ".")
  .option("--env-file <file>", ENV_FILE_HELP, collect, [])
  .option("--remove-env <name>", "drop a recorded environment and delete its overlay; repeatable", collect, [])
  .action(async (options: { dir: string; envFile: string[]; removeEnv: string[] }) => {
    const result = await generate({ dir: options.dir, envFiles: options.envFile, removeEnvironments: options.removeEnv });
    for (const overlay of result.overlays) {
      process.stdout.write(
        `${overlay.dir}: ${overlay.objects} objects, namespace ${overlay.namespaces.join(",")}, images ${overlay.images.join(" ")}\n`,
      );
    }
    process.stdout.write(
      `rendered with ${result.renderer}, schema and policies valid; ${result.written.length} file(s) written, ${result.unchanged.length} unchanged, ${result.deleted.length} deleted` +
        (result.seeded.length > 0 ? `, created ${result.seeded.join(", ")}` : "") +
        (result.kept.length > 0 ? `, kept ${result.kept.join(", ")} (generate never deletes secrets; remove it yourself)` : "") +
        "\n",
    );
    writeNotices(result.notices);
  });

program
  .command("check")
  .description("exit 1 with a unified diff per file when the tree in DIR is not what generate would write")
  .option("--dir <dir>", "directory holding the tree", ".")
  .option("--env-file <file>", `${ENV_FILE_HELP}; recorded ones are re-read without it`, collect, [])
  .action(async (options: { dir: string; envFile: string[] }) => {
    const drift = await check({ dir: options.dir, envFiles: options.envFile });
    if (drift.length === 0) {
      process.stdout.write("tree is up to date\n");
      return;
    }
    const { createTwoFilesPatch } = await import("diff");
    for (const file of drift) {
      if (file.status === "interrupted") {
        process.stdout.write(`${file.path}: a generate was interrupted while replacing the tree; run generate to finish it\n`);
        continue;
      }
      const from = file.actual === undefined ? "/dev/null" : `a/${file.path}`;
      const to = file.expected === undefined ? "/dev/null" : `b/${file.path}`;
      process.stdout.write(createTwoFilesPatch(from, to, file.actual ?? "", file.expected ?? "", undefined, undefined, { headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } }));
    }
    process.stderr.write(`${drift.length} file(s) differ from what generate would write: ${drift.map((file) => `${file.path} (${file.status})`).join(", ")}; run argusai-kustomize generate\n`);
    process.exitCode = EXIT.drift;
  });

program
  .command("render")
  .description("print the kustomize output of overlays/ENV")
  .argument("<env>", "environment (overlay) name")
  .option("--dir <dir>", "directory holding the tree", ".")
  .action(async (environment: string, options: { dir: string }) => {
    const rendered = await render(environment, { dir: options.dir });
    for (const warning of rendered.warnings) process.stderr.write(`${warning}\n`);
    process.stdout.write(rendered.yaml);
  });

program
  .command("validate")
  .description("render overlays and check them against the Kubernetes schema and the policies; exit 1 listing each violation")
  .argument("[env...]", "environments to validate (default: all of the tree's)")
  .option("--dir <dir>", "directory holding the tree", ".")
  .option("--strict", "also fail (exit 1) on warnings, such as a production image still on the placeholder version")
  .action(async (environments: string[], options: { dir: string; strict?: boolean }) => {
    let total = 0;
    for (const result of await validate(environments, { dir: options.dir })) {
      writeNotices(result.notices);
      if (options.strict === true) total += result.notices.filter((notice) => notice.level === "warning").length;
      total += result.violations.length;
      const placeholders = result.placeholderSeeds.length > 0 ? ` (with placeholder ${result.placeholderSeeds.join(", ")}: none on this machine)` : "";
      process.stdout.write(`${result.dir}: ${result.objects} objects, ${result.violations.length === 0 ? "valid" : `${result.violations.length} violation(s)`}${placeholders}\n`);
      for (const violation of result.violations) process.stdout.write(`  ${formatViolation(violation)}\n`);
    }
    if (total > 0) process.exitCode = EXIT.drift;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

/** Warnings and notes on stderr, one line each, in the problem shape. */
function writeNotices(notices: readonly EnvironmentNotice[]): void {
  for (const notice of notices) process.stderr.write(`${notice.level}: environment "${notice.environment}", field ${notice.field}: ${notice.message}\n`);
}

/** The version in this package's package.json, found upwards from this file (bundled or not). */
function packageVersion(): string {
  for (let url = new URL("./package.json", import.meta.url); ; url = new URL("../package.json", url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "argusai-kustomize" && pkg.version !== undefined) return pkg.version;
    } catch {
      // not here: look one directory up
    }
    if (url.pathname === "/package.json") return "unknown";
  }
}

/** commander's "error: unknown option '--x'\n(Did you mean --dir?)\n" as one project-form line. */
function usageLine(text: string): string {
  const message = text.replace(/^error: /, "").trim().split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
  return `argusai-kustomize: USAGE: ${message}; see argusai-kustomize --help\n`;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    if (error.exitCode === 0) return EXIT.ok;
    // No command at all: commander printed the help on stderr; say why it exits 2.
    if (error.code === "commander.help") process.stderr.write(usageLine("a command is required (generate, check, render or validate)"));
    return EXIT.usage;
  }
  if (error instanceof ArgusKustomizeError) {
    process.stderr.write(`argusai-kustomize: ${error.code}: ${error.message}\n`);
    return EXIT_CODES[error.code];
  }
  // Not a condition the contract names: a bug. Show everything so it can be reported.
  process.stderr.write(`argusai-kustomize: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.drift;
}
