// The bin's first lines are written by scripts/bundle.mjs (a /bin/sh line that starts
// `node -- dist/bin/argusai-kustomize.js`), not here: Node 20 scans its whole command line for
// --env-file, the script's own arguments included (a missing file kills it with exit 9; a present
// one has its NODE_OPTIONS applied), so our `--env-file` needs "node --" in front of the script,
// and `#!/usr/bin/env -S node --` fails under BusyBox env (Alpine CI images), which has no -S.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ArgusKustomizeError, type ErrorCode } from "./errors.js";
import { check, diffEnvironments, driftHints, generate, render, setImagesFromFlags, validate } from "./cli-lazy.js";
import { formatViolation } from "./validate/violation.js";
import type { EnvironmentNotice } from "./model/built-in-environments.js";
import { checkJson, diffJson, errorJson, generateJson, jsonLine, validateJson } from "./cli-json.js";
import { formatObjectsDiff } from "./diff/objects.js";
import type { AppliedImageUpdate } from "./set-image.js";
import { ARGOCD_REPO_URL_PLACEHOLDER } from "./argocd/placeholder.js";
import type { ArgoCDOptions } from "./argocd/application.js";

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

// A reader that stops early (`render prod | head`) is not a failure of ours: stop quietly instead of
// dying on an unhandled EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
});

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
const NO_CACHE_HELP = "render every overlay again instead of trusting renders remembered from an earlier run with the same files and kubectl";
const ENV_FILE_HELP = "an environment file (YAML or JSON); replaces the recorded environment of its name, or adds one; repeatable";

program
  .command("generate")
  .description("write base/ and overlays/ into DIR, render every overlay with kustomize, print a summary")
  .option("--dir <dir>", "target directory", ".")
  .option("--env-file <file>", ENV_FILE_HELP, collect, [])
  .option("--remove-env <name>", "drop a recorded environment and delete its overlay; repeatable", collect, [])
  .option("--set-image <env-and-images...>", "ENV component=TAG|component=@sha256:DIGEST ...: set the versions in ENV's environment file, then generate; repeatable")
  .option("--argocd", "an Argo CD Application for every environment Argo CD can sync (argocd/; not one with a machine-local generated Secret, like dev); recorded")
  .option("--no-argocd", "undo --argocd: Applications only for environments with argocd.enabled")
  .option("--repo-url <url>", "Argo CD: the Git repository holding this tree (default: package.json repository); recorded")
  .option("--target-revision <rev>", "Argo CD: branch, tag or commit to sync (default HEAD); recorded")
  .option("--project <name>", "Argo CD: the AppProject (default: default); recorded")
  .option("--dest-server <url>", "Argo CD: the cluster's API server (default https://kubernetes.default.svc); recorded")
  .option("--dest-name <name>", "Argo CD: the cluster by name, instead of --dest-server; recorded")
  .option("--app-namespace <ns>", "Argo CD: the namespace of the Application objects (default argocd); recorded")
  .option("--json", "print the result (or the error) as one JSON document")
  .option("--no-cache", NO_CACHE_HELP)
  .action(async (options: GenerateFlags) => {
    const argocd = argocdOptions(options);
    const treeOptions = { dir: options.dir, envFiles: options.envFile, removeEnvironments: options.removeEnv, cache: options.cache, ...(argocd !== undefined ? { argocd } : {}) };
    let imageUpdates: readonly AppliedImageUpdate[] = [];
    const result =
      options.setImage !== undefined
        ? await setImagesFromFlags(options.setImage, treeOptions).then((done) => ((imageUpdates = done.imageUpdates), done))
        : await generate(treeOptions);
    if (options.json === true) {
      process.stdout.write(jsonLine(generateJson(result, imageUpdates)));
      return;
    }
    for (const update of imageUpdates) {
      const show = (version: { tag?: string; digest?: string }) => (version.digest !== undefined ? `@${version.digest}` : (version.tag ?? "(base)"));
      process.stdout.write(`${update.file}: ${update.environment} ${update.component} ${update.previous !== undefined ? show(update.previous) : "(base)"} -> ${show(update.version)}\n`);
    }
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
    for (const application of result.applications) {
      process.stdout.write(`${application.file}: Argo CD Application ${application.name}, ${application.repoURL} path ${application.path}${application.repoURL === ARGOCD_REPO_URL_PLACEHOLDER ? " (a placeholder: set it with --repo-url or package.json repository)" : ""}\n`);
    }
    writeNotices(result.notices);
  });

program
  .command("check")
  .description("exit 1 with a unified diff per file when the tree in DIR is not what generate would write")
  .option("--dir <dir>", "directory holding the tree", ".")
  .option("--env-file <file>", `${ENV_FILE_HELP}; recorded ones are re-read without it`, collect, [])
  .option("--json", "print the result (or the error) as one JSON document")
  .action(async (options: { dir: string; envFile: string[]; json?: boolean }) => {
    const drift = await check({ dir: options.dir, envFiles: options.envFile });
    const hints = await driftHints(options.dir, drift.filter((file) => file.status !== "interrupted").map((file) => file.path));
    if (options.json === true) {
      const { createTwoFilesPatch } = await import("diff");
      const diffs = new Map(
        drift
          .filter((file) => file.status !== "interrupted")
          .map((file) => [file.path, createTwoFilesPatch(file.actual === undefined ? "/dev/null" : `a/${file.path}`, file.expected === undefined ? "/dev/null" : `b/${file.path}`, file.actual ?? "", file.expected ?? "", undefined, undefined, { headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } })]),
      );
      process.stdout.write(jsonLine(checkJson(options.dir, drift, hints, diffs)));
      if (drift.length > 0) process.exitCode = EXIT.drift;
      return;
    }
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
    // Hand edits are undone by generate: say where each change belongs (only for edited files).
    for (const hint of hints.filter((candidate) => drift.some((file) => file.path === candidate.path && file.status === "changed"))) {
      process.stderr.write(`hint: ${hint.hint}\n`);
    }
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
  .option("--json", "print the result (or the error) as one JSON document")
  .option("--no-cache", NO_CACHE_HELP)
  .action(async (environments: string[], options: { dir: string; strict?: boolean; json?: boolean; cache: boolean }) => {
    let total = 0;
    const results = await validate(environments, { dir: options.dir, cache: options.cache });
    const warnings = options.strict === true ? results.flatMap((result) => result.notices.filter((notice) => notice.level === "warning")) : [];
    if (options.json === true) {
      process.stdout.write(jsonLine(validateJson(results, options.strict === true)));
      if (warnings.length > 0 || results.some((result) => result.violations.length > 0)) process.exitCode = EXIT.drift;
      return;
    }
    total += warnings.length;
    for (const result of results) {
      writeNotices(result.notices);
      total += result.violations.length;
      const placeholders = result.placeholderSeeds.length > 0 ? ` (with placeholder ${result.placeholderSeeds.join(", ")}: none on this machine)` : "";
      process.stdout.write(`${result.dir}: ${result.objects} objects, ${result.violations.length === 0 ? "valid" : `${result.violations.length} violation(s)`}${placeholders}\n`);
      for (const violation of result.violations) process.stdout.write(`  ${formatViolation(violation)}\n`);
    }
    if (total > 0) process.exitCode = EXIT.drift;
  });

program
  .command("diff")
  .description("what environment B changes from environment A, on the rendered objects; exit 0 (differences are the normal result)")
  .argument("<a>", "the environment compared from")
  .argument("<b>", "the environment compared to")
  .option("--dir <dir>", "directory holding the tree", ".")
  .option("--unified", "also print a unified diff of the rendered YAML (Secret values masked)")
  .option("--json", "print the result (or the error) as one JSON document")
  .action(async (from: string, to: string, options: { dir: string; unified?: boolean; json?: boolean }) => {
    const result = await diffEnvironments(from, to, { dir: options.dir, unified: options.unified === true });
    if (options.json === true) {
      process.stdout.write(jsonLine(diffJson(result)));
      return;
    }
    const lines = formatObjectsDiff(result);
    process.stdout.write(lines.length === 0 ? `${to} renders the same objects as ${from}\n` : `${lines.join("\n")}\n`);
    if (result.unified !== undefined && result.unified !== "") process.stdout.write(`\n${result.unified}`);
  });

/** The command running with --json, so its failure is reported as JSON too. */
let jsonCommand: string | undefined;
program.hook("preAction", (_program, action) => {
  if ((action.opts() as { json?: boolean }).json === true) jsonCommand = action.name();
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // An argument error comes before any action knows of --json: read the command line for it.
  const asked = jsonCommand ?? (process.argv.includes("--json") ? process.argv.slice(2).find((arg) => !arg.startsWith("-")) ?? "argusai-kustomize" : undefined);
  if (asked !== undefined && !(error instanceof CommanderError && error.exitCode === 0)) process.stdout.write(jsonLine(errorJson(asked, error)));
  process.exitCode = exitCodeFor(error);
}

/** Warnings and notes on stderr, one line each, in the problem shape. */
function writeNotices(notices: readonly EnvironmentNotice[]): void {
  for (const notice of notices) process.stderr.write(`${notice.level}: environment "${notice.environment}", field ${notice.field}: ${notice.message}\n`);
}

/** Flags of generate. */
interface GenerateFlags {
  dir: string;
  envFile: string[];
  removeEnv: string[];
  setImage?: string[];
  argocd?: boolean;
  repoUrl?: string;
  targetRevision?: string;
  project?: string;
  destServer?: string;
  destName?: string;
  appNamespace?: string;
  json?: boolean;
  cache: boolean;
}

/** The Argo CD options given on the command line; `undefined` when none (the record's apply). */
function argocdOptions(flags: GenerateFlags): ArgoCDOptions | undefined {
  const options: ArgoCDOptions = {
    ...(flags.argocd !== undefined ? { all: flags.argocd } : {}),
    ...(flags.repoUrl !== undefined ? { repoURL: flags.repoUrl } : {}),
    ...(flags.targetRevision !== undefined ? { targetRevision: flags.targetRevision } : {}),
    ...(flags.project !== undefined ? { project: flags.project } : {}),
    ...(flags.destServer !== undefined ? { destinationServer: flags.destServer } : {}),
    ...(flags.destName !== undefined ? { destinationName: flags.destName } : {}),
    ...(flags.appNamespace !== undefined ? { applicationNamespace: flags.appNamespace } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
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
