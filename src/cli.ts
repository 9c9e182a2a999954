#!/usr/bin/env -S node --
// "node --": Node 20 reads a --env-file flag anywhere on its command line as its own dotenv
// option (it dies on a missing file and loads a present one into the environment), so our
// `--env-file` would never arrive; "--" ends Node's options.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ArgusKustomizeError } from "./errors.js";
import { check, generate, render, validate } from "./pipeline.js";
import { formatViolation } from "./validate/violation.js";

/** Exit codes of the CLI contract (DESIGN.md §1). */
const EXIT = { ok: 0, drift: 1, usage: 2 } as const;

const version = packageVersion();

const program = new Command()
  .name("argusai-kustomize")
  .version(version)
  .description("Writes and checks the kustomize base and overlays of ArgusAI")
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

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
  .option("--no-cache", NO_CACHE_HELP)
  .action(async (options: { dir: string; envFile: string[]; removeEnv: string[]; cache: boolean }) => {
    const result = await generate({ dir: options.dir, envFiles: options.envFile, removeEnvironments: options.removeEnv, cache: options.cache });
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
  .option("--no-cache", NO_CACHE_HELP)
  .action(async (environments: string[], options: { dir: string; cache: boolean }) => {
    let total = 0;
    for (const result of await validate(environments, { dir: options.dir, cache: options.cache })) {
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

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof ArgusKustomizeError) {
    process.stderr.write(`argusai-kustomize: ${error.code}: ${error.message}\n`);
    return error.exitCode;
  }
  // Not a condition the contract names: a bug. Show everything so it can be reported.
  process.stderr.write(`argusai-kustomize: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.drift;
}
