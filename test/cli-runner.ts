/**
 * How the tests run the CLI. By default in this test process: the command-line function the bin
 * runs (src/cli/run.ts, as tsc built it into dist/ before the tests), with the working directory
 * and the environment of the run set around it. A Node start with the bundle costs 0.1 to 0.5
 * CPU-seconds; the suite runs the CLI some 280 times, so this is a large part of its cost.
 *
 * A separate process (`node -- BIN args`, as the bin's shebang starts it) where a process is what is
 * tested: `separateProcess: true` (runs at once, signals, the lock between processes), `asNobody`
 * (uid 65534, so file modes count when the tests run as root), and NODE_OPTIONS in `env` (code
 * injected into the process). The bin's own start (shebang, bundle, Node's warnings) is tested in
 * test/package/ with the packed package.
 *
 * In-process runs are one at a time per test process: each changes process.cwd() and process.env
 * while it runs, and restores them before the next starts.
 */
import { execFile } from "node:child_process";
import path from "node:path";

/** What a CLI run returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Added to (an `undefined` value: removed from) this process's environment for the run. */
  env?: NodeJS.ProcessEnv;
  /** Run as uid/gid 65534 when the tests run as root (a separate process). */
  asNobody?: boolean;
  cwd?: string;
  /** Run the bin in a process of its own. */
  separateProcess?: boolean;
}

/** Path to the bin as shipped: the bundled CLI (npm test builds before it runs vitest). */
export const CLI = path.resolve("dist/bin/argusai-kustomize.js");

/** Runs the CLI with `args`: in this process unless the options need a process of its own. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  if (options.separateProcess === true || options.asNobody === true || options.env?.["NODE_OPTIONS"] !== undefined) return runBin(args, options);
  const run = inProcessQueue.then(() => runInProcess(args, options));
  inProcessQueue = run.catch(() => undefined);
  return run;
}

/** Runs the shipped bin with `node -- BIN args` (as its shebang does). */
export function runBin(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const user = options.asNobody === true && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--", CLI, ...args],
      { ...user, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr });
      },
    );
  });
}

type CommandLine = (argv: readonly string[], output: { out: (text: string) => void; err: (text: string) => void }) => Promise<number>;

let inProcessQueue: Promise<unknown> = Promise.resolve();
let commandLine: Promise<CommandLine> | undefined;

/** The bin's command-line function, as tsc built it. */
const RUN_MODULE = path.resolve("dist/cli/run.js");

async function runInProcess(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  // Loaded by Node itself, not through Vitest's transform (vitest.config.ts, server.deps.external):
  // its lazy imports and a user's config file load as they do in the bin.
  commandLine ??= import(/* @vite-ignore */ RUN_MODULE).then((module: { runCommandLine: CommandLine }) => module.runCommandLine);
  const runCommandLine = await commandLine;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const cwd = process.cwd();
  const saved = Object.entries(options.env ?? {}).map(([name]) => [name, process.env[name]] as const);
  try {
    setEnv(Object.entries(options.env ?? {}));
    if (options.cwd !== undefined) process.chdir(options.cwd);
    const code = await runCommandLine([process.execPath, CLI, ...args], { out: (text) => stdout.push(text), err: (text) => stderr.push(text) });
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    process.chdir(cwd);
    setEnv(saved);
  }
}

function setEnv(entries: readonly (readonly [string, string | undefined])[]): void {
  for (const [name, value] of entries) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
