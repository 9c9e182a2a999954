/**
 * Running things as an Alpine CI image would: there /bin/sh and /usr/bin/env are BusyBox.
 *
 * Two ways, both with Debian's busybox:
 * - `inAlpineNamespace`: the real thing. A private mount namespace (unshare, needs root) where
 *   BusyBox is bind-mounted over /bin/sh and /usr/bin/env, so the kernel itself reads every
 *   shebang and hands it to BusyBox, npm's script shell included. Nothing outside the namespace
 *   sees the mounts.
 * - `viaShebang`: no privileges needed. Reads a file's `#!` line the way the kernel does (the
 *   interpreter, then everything after it as one argument) and runs the BusyBox applet of that
 *   name in its place.
 */
import { execFile, spawnSync } from "node:child_process";
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import path from "node:path";

/** What a process returned. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Bind-mounts BusyBox over env and sh inside the namespace, then becomes the command.
const MOUNT_SCRIPT = 'busybox="$1"; shift; mount --bind "$busybox" /usr/bin/env && mount --bind "$busybox" /bin/sh && exec "$@"';

/** Whether tests must run everything instead of skipping (CI, and .ci/run). */
export const IN_CI = Boolean(process.env["CI"]) || Boolean(process.env["ARGUSAI_CI"]);

/** Debian's busybox, if installed. */
export const BUSYBOX: string | undefined = which("busybox");

/** Why `inAlpineNamespace` cannot run here, or undefined when it can. */
export const NAMESPACE_UNAVAILABLE: string | undefined = namespaceUnavailable();

/** Runs `argv` with stdout/stderr collected; never rejects. */
export function run(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1;
      resolve({ code, stdout, stderr: error !== null && code === -1 ? `${stderr}${error.message}` : stderr });
    });
  });
}

/** `argv` as the kernel would start it from `file`'s shebang: [interpreter, optional argument]. */
export function shebangOf(file: string): string[] {
  const first = readFileSync(file, "utf8").split("\n", 1)[0]!;
  if (!first.startsWith("#!")) throw new Error(`${file} has no #! line`);
  // Linux: the interpreter ends at the first blank; the rest (trimmed) is ONE argument. That is why
  // `#!/usr/bin/env -S node --` reaches env as the single argument "-S node --".
  const match = /^#!\s*(\S+)\s*(.*?)\s*$/.exec(first)!;
  return match[2] === "" ? [match[1]!] : [match[1]!, match[2]!];
}

/** Runs `file args` with its shebang's interpreter replaced by the BusyBox applet of that name. */
export function viaShebang(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  if (BUSYBOX === undefined) throw new Error("busybox is not installed (apt-get install -y busybox)");
  const [interpreter, ...optional] = shebangOf(file);
  return run([BUSYBOX, path.basename(interpreter!), ...optional, file, ...args], options);
}

/** Runs `argv` in a mount namespace where /bin/sh and /usr/bin/env are BusyBox (see above). */
export function inAlpineNamespace(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  if (BUSYBOX === undefined) throw new Error("busybox is not installed (apt-get install -y busybox)");
  // A fixed script; the busybox path and the command arrive as positional arguments, never spliced in.
  return run(["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", MOUNT_SCRIPT, "alpine", BUSYBOX, ...argv], options);
}

function namespaceUnavailable(): string | undefined {
  if (BUSYBOX === undefined) return "busybox is not installed (apt-get install -y busybox)";
  if (process.getuid?.() !== 0) return "a mount namespace needs root";
  if (which("unshare") === undefined) return "unshare is not installed";
  // /usr/bin/env must answer as BusyBox inside (it prints its usage on stderr).
  const probe = spawnSync(
    "unshare",
    ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", MOUNT_SCRIPT, "alpine", BUSYBOX, "/usr/bin/env", "--help"],
    { encoding: "utf8" },
  );
  if (!/BusyBox/.test(`${probe.stdout}${probe.stderr}`))
    return `unshare --mount with a bind mount failed: ${probe.stderr?.trim() || probe.error?.message || `exit ${probe.status}`}`;
  return undefined;
}

function which(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(path.join(dir, name), fsConstants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
