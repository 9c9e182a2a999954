import path from "node:path";
import { Command, CommanderError } from "commander";
import type { ArgoCDOptions } from "../argocd/application.js";
import { checkTree, diffEnvironments, driftHints, generate, init, render, setImagesFromFlags, validate } from "./lazy.js";
import type { AppliedImageUpdate } from "../commands/set-image.js";
import { asContractError, debugWanted, EXIT, exitCodeFor, usageLine, VERSION } from "./exit.js";
import { checkJson, diffJson, errorJson, generateJson, initJson, jsonLine, upgradesJson, validateJson } from "./json.js";
import { driftPatch, writeCheck, writeDiff, writeGenerate, writeInit, writeValidate, type Output } from "./text.js";

/*
 * The command line: commander's wiring of each command to its library function, the text or JSON
 * output, and the exit code. The commands themselves are in ../commands/. One run is one call of
 * runCommandLine with its own program and output, so the tests run most commands in their own
 * process (test/cli-runner.ts) instead of paying a Node start for each.
 */

const HELP_AFTER = `
Exit codes:
  0   ok
  1   drift (check) or a failed check (validate: a schema or policy violation)
  2   bad input or usage (an invalid environment file or config, an unknown option, command or
      environment, a path the operating system refused)
  3   an external tool failed or is missing (kubectl / kustomize)
  70  an internal error: a bug in argusai-kustomize (run again with --debug for the stack)
  130/143  stopped by SIGINT/SIGTERM (nothing half-written is left)

Where: every command acts on the nearest directory, from the working directory upwards, holding
.argusai-kustomize.json or argusai-kustomize.config.{mjs,js,ts,mts}; --dir overrides.

Environment:
  KUBECTL         the kubectl to render with (default: kubectl on PATH)
  KUSTOMIZE       the standalone kustomize, used when there is no kubectl (default: kustomize on PATH)
  ARGUSAI_DEBUG   1: print the stack of an internal error (as --debug does)

Errors are printed on stderr as "argusai-kustomize: CODE: message".

Examples:
  argusai-kustomize init                                   start a tree here (or complete the one you are in): config, envs/, CI
  argusai-kustomize generate                               write base/ and overlays/ (dev, prod) here
  argusai-kustomize generate --env-file envs/staging.yaml  add or update the staging overlay
  argusai-kustomize generate -f envs/staging.yaml          the same; on Node 20 write -f (Node reads --env-file itself)
  argusai-kustomize check                                  in CI: exit 1 and a diff when the tree is stale
  argusai-kustomize validate prod                          schema and policy checks of overlays/prod
  argusai-kustomize render prod | kubectl apply -f -       what kubectl apply -k overlays/prod applies
`;

const NO_CACHE_HELP = "render every overlay again instead of trusting renders remembered from an earlier run with the same files and kubectl";
const ENV_FILE_HELP =
  "an environment file (YAML or JSON, relative to where you run the command); replaces the recorded environment of its name, or adds one; repeatable. " +
  "On Node 20 write -f FILE: Node 20 itself reads --env-file FILE and --env-file=FILE from the command line of npx and of `node BIN` (a missing FILE stops it with exit 9)";
const DIR_HELP = "the tree's directory (default: the nearest one from here upwards holding .argusai-kustomize.json or argusai-kustomize.config.*)";

/**
 * Runs one command line (`argv` as process.argv has it: node, the script, then the arguments),
 * writing to `output`; returns the exit code. Never throws: every failure is an exit code and a
 * line on `output.err` (or a JSON document on `output.out` with --json).
 */
export async function runCommandLine(argv: readonly string[], output: Output): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command()
    .name("argusai-kustomize")
    .version(VERSION)
    .description("Writes and checks the kustomize base and overlays of ArgusAI")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
      // commander's own errors (unknown option or command, missing argument) in the one form every
      // error of this CLI has, so scripts and CI logs parse a single shape.
      outputError: (text, write) => write(usageLine(text)),
    })
    .option("--debug", "print the stack of an internal error (or set ARGUSAI_DEBUG=1)")
    .addHelpText("after", HELP_AFTER);

  program
    .command("init")
    .description(
      "start a tree in a GitOps repository: argusai-kustomize.config.mjs, envs/staging.yaml, .gitignore lines, a CI workflow; never overwrites a file",
    )
    .option("--dir <dir>", "where the tree goes (default: the tree you are in, found as every command finds it, else here)")
    .option("--json", "print the result (or the error) as one JSON document")
    .action(async (options: { dir?: string; json?: boolean }) => {
      const result = await init(options.dir !== undefined ? { dir: options.dir } : {});
      if (options.json === true) output.out(jsonLine(initJson(result)));
      else writeInit(output, result);
    });

  program
    .command("generate")
    .description("write base/, overlays/ and argocd/ into the tree (a new one here when none is found), render every overlay with kustomize, print a summary")
    .option("--dir <dir>", DIR_HELP)
    .option("-f, --env-file <file>", ENV_FILE_HELP, collect, [])
    .option("--remove-env <name>", "drop a recorded environment and delete its overlay; repeatable", collect, [])
    .option(
      "--set-image <env-and-images...>",
      "ENV component=TAG|component=@sha256:DIGEST ...: set the versions in ENV's environment file, then generate; repeatable",
    )
    .option(
      "--argocd",
      "an Argo CD Application for every environment Argo CD can sync (argocd/; not one with a machine-local generated Secret, like dev); recorded",
    )
    .option("--no-argocd", "undo --argocd: Applications only for environments with argocd.enabled")
    .option(
      "--repo-url <url>",
      "Argo CD: the Git repository holding this tree (default: config argocd.repoURL, else the origin remote, else package.json repository); recorded",
    )
    .option("--target-revision <rev>", "Argo CD: branch, tag or commit to sync (default HEAD); recorded")
    .option("--project <name>", "Argo CD: the AppProject (default: default); recorded")
    .option("--dest-server <url>", "Argo CD: the cluster's API server (default https://kubernetes.default.svc); recorded")
    .option("--dest-name <name>", "Argo CD: the cluster by name, instead of --dest-server; recorded")
    .option("--app-namespace <ns>", "Argo CD: the namespace of the Application objects (default argocd); recorded")
    .option("--json", "print the result (or the error) as one JSON document")
    .option("--no-cache", NO_CACHE_HELP)
    .option(
      "--allow-replace <env>",
      "let ENV's existing objects be replaced (a PVC's class, access mode or smaller size, a selector, a namespace move) after you migrated it by hand (docs/upgrades.md); repeatable",
      collect,
      [],
    )
    .action(async (options: GenerateFlags) => {
      const argocd = argocdOptions(options);
      const treeOptions = {
        ...(options.dir !== undefined ? { dir: options.dir } : {}),
        envFiles: options.envFile,
        removeEnvironments: options.removeEnv,
        cache: options.cache,
        allowReplace: options.allowReplace,
        ...(argocd !== undefined ? { argocd } : {}),
      };
      let imageUpdates: readonly AppliedImageUpdate[] = [];
      const result =
        options.setImage !== undefined
          ? await setImagesFromFlags(options.setImage, treeOptions).then((done) => {
              imageUpdates = done.imageUpdates;
              return done;
            })
          : await generate(treeOptions);
      if (options.json === true) output.out(jsonLine(generateJson(result, imageUpdates)));
      else writeGenerate(output, result, imageUpdates);
    });

  program
    .command("check")
    .description("exit 1 with a unified diff per file when the tree is not what generate would write")
    .option("--dir <dir>", DIR_HELP)
    .option("-f, --env-file <file>", `${ENV_FILE_HELP}; recorded ones are re-read without it`, collect, [])
    .option("--json", "print the result (or the error) as one JSON document")
    .action(async (options: { dir?: string; envFile: string[]; json?: boolean }) => {
      const { dir: root, drift, upgrades } = await checkTree({ ...(options.dir !== undefined ? { dir: options.dir } : {}), envFiles: options.envFile });
      const hints = await driftHints(
        root,
        drift.filter((file) => file.status !== "interrupted").map((file) => file.path),
      );
      if (options.json === true) {
        const diffs = new Map(drift.filter((file) => file.status !== "interrupted").map((file) => [file.path, driftPatch(file)]));
        output.out(jsonLine({ ...checkJson(options.dir ?? (path.relative(process.cwd(), root) || "."), drift, hints, diffs), ...upgradesJson(upgrades) }));
      } else writeCheck(output, drift, hints, upgrades);
      // What generate would refuse to write (docs/upgrades.md) fails the check even alone.
      if (drift.length > 0 || upgrades.length > 0) exitCode = EXIT.drift;
    });

  program
    .command("render")
    .description("print the kustomize output of overlays/ENV")
    .argument("<env>", "environment (overlay) name")
    .option("--dir <dir>", DIR_HELP)
    .action(async (environment: string, options: { dir?: string }) => {
      const rendered = await render(environment, options.dir !== undefined ? { dir: options.dir } : {});
      for (const warning of rendered.warnings) output.err(`${warning}\n`);
      output.out(rendered.yaml);
    });

  program
    .command("validate")
    .description("render overlays and check them against the Kubernetes schema and the policies; exit 1 listing each violation")
    .argument("[env...]", "environments to validate (default: all of the tree's)")
    .option("--dir <dir>", DIR_HELP)
    .option("--strict", "also fail (exit 1) on warnings, such as a production image on the placeholder version or an Application on the placeholder repoURL")
    .option("--json", "print the result (or the error) as one JSON document")
    .option("--no-cache", NO_CACHE_HELP)
    .action(async (environments: string[], options: { dir?: string; strict?: boolean; json?: boolean; cache: boolean }) => {
      const results = await validate(environments, { ...(options.dir !== undefined ? { dir: options.dir } : {}), cache: options.cache });
      const strict = options.strict === true;
      if (options.json === true) {
        const json = validateJson(results, strict);
        output.out(jsonLine(json));
        if (!json.ok) exitCode = EXIT.drift;
        return;
      }
      if (writeValidate(output, results, strict) > 0) exitCode = EXIT.drift;
    });

  program
    .command("diff")
    .description("what environment B changes from environment A, on the rendered objects; exit 0 (differences are the normal result)")
    .argument("<a>", "the environment compared from")
    .argument("<b>", "the environment compared to")
    .option("--dir <dir>", DIR_HELP)
    .option("--unified", "also print a unified diff of the rendered YAML (Secret values masked)")
    .option("--json", "print the result (or the error) as one JSON document")
    .action(async (from: string, to: string, options: { dir?: string; unified?: boolean; json?: boolean }) => {
      const result = await diffEnvironments(from, to, { ...(options.dir !== undefined ? { dir: options.dir } : {}), unified: options.unified === true });
      if (options.json === true) output.out(jsonLine(diffJson(result)));
      else writeDiff(output, result);
    });

  /** The command running with --json, so its failure is reported as JSON too. */
  let jsonCommand: string | undefined;
  program.hook("preAction", (_program, action) => {
    if ((action.opts() as { json?: boolean }).json === true) jsonCommand = action.name();
  });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // An argument error comes before any action knows of --json: read the command line for it.
    const asked = jsonCommand ?? (argv.includes("--json") ? (argv.slice(2).find((arg) => !arg.startsWith("-")) ?? "argusai-kustomize") : undefined);
    if (asked !== undefined && !(error instanceof CommanderError && error.exitCode === 0)) output.out(jsonLine(errorJson(asked, asContractError(error))));
    return exitCodeFor(error, output, debugWanted(argv));
  }
}

/** `--env-file` may be given many times. */
const collect = (value: string, previous: string[]) => [...previous, value];

/** Flags of generate. */
interface GenerateFlags {
  dir?: string;
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
  allowReplace: string[];
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
