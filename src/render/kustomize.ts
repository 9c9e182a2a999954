import { execFile } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { yamlStream } from "../yaml-documents.js";

/** A program that renders a kustomization: `kubectl kustomize DIR` or `kustomize build DIR`. */
export interface Renderer {
  /** Absolute path (or the name given in KUBECTL / KUSTOMIZE). */
  readonly binary: string;
  /** Arguments before the directory. */
  readonly args: readonly string[];
  /** How to show it to a person: "kubectl kustomize" or "kustomize build". */
  readonly label: string;
}

/** A rendered kustomization: its objects, and whatever the renderer printed on stderr. */
export interface Rendered {
  readonly objects: ReadonlyArray<Record<string, unknown>>;
  /** The YAML stream exactly as printed. */
  readonly yaml: string;
  /** Non-empty stderr lines (kustomize prints deprecation and other warnings there). */
  readonly warnings: readonly string[];
}

const INSTALL_HINT =
  "install kubectl (Debian: apt-get update && apt-get install -y kubectl) or the standalone kustomize " +
  "(apt-get install -y kustomize), or point KUBECTL / KUSTOMIZE at one";

/**
 * Finds the renderer: `KUBECTL` if set, else `kubectl` on PATH, else `KUSTOMIZE` if set, else
 * `kustomize` on PATH (what Argo CD runs).
 *
 * @throws ArgusKustomizeError KUBECTL_NOT_FOUND naming what to install
 */
export function findRenderer(env: Readonly<Record<string, string | undefined>> = process.env): Renderer {
  const kubectl = findKubectl(env);
  if (kubectl !== undefined) return kubectlRenderer(kubectl);
  const kustomize = findStandaloneKustomize(env);
  if (kustomize !== undefined) return kustomizeRenderer(kustomize);
  throw new ArgusKustomizeError("KUBECTL_NOT_FOUND", `neither kubectl nor kustomize is on PATH: ${INSTALL_HINT}`);
}

/**
 * kubectl from `KUBECTL` (which must then be executable) or PATH; `undefined` when there is none.
 *
 * @throws ArgusKustomizeError KUBECTL_NOT_FOUND when KUBECTL names something that cannot run
 */
export function findKubectl(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  return env["KUBECTL"] ? requireExecutable(env["KUBECTL"], "KUBECTL", env) : whichSync("kubectl", env);
}

/**
 * The standalone kustomize from `KUSTOMIZE` (which must then be executable) or PATH.
 *
 * @throws ArgusKustomizeError KUBECTL_NOT_FOUND when KUSTOMIZE names something that cannot run
 */
export function findStandaloneKustomize(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  return env["KUSTOMIZE"] ? requireExecutable(env["KUSTOMIZE"], "KUSTOMIZE", env) : whichSync("kustomize", env);
}

/** `kubectl kustomize` with the given binary. */
export function kubectlRenderer(binary: string): Renderer {
  return { binary, args: ["kustomize"], label: "kubectl kustomize" };
}

/** Standalone `kustomize build` with the given binary. */
export function kustomizeRenderer(binary: string): Renderer {
  return { binary, args: ["build"], label: "kustomize build" };
}

/**
 * Renders the kustomization in `dir`. Warnings on stderr are returned, not thrown: callers
 * decide (generate treats any warning as a failure).
 *
 * @throws ArgusKustomizeError KUSTOMIZE_BUILD_FAILED with kustomize's own message, KUBECTL_NOT_FOUND
 */
export async function renderKustomization(dir: string, renderer: Renderer = findRenderer()): Promise<Rendered> {
  const { yaml, warnings } = await runKustomize(dir, renderer);
  return { objects: parseStream(yaml, dir), yaml, warnings };
}

/**
 * The renderer's environment: this process's, with GOGC=400 unless the user set a GOGC. Half of
 * kustomize's CPU time on a group of 25 overlays is Go's garbage collector; collecting less often
 * saves about a fifth of it for about 20 MiB more per process (measured: 0.37 s and 65 MiB at the
 * default, 0.30 s and 84 MiB), and about a third on one overlay (0.085 s -> 0.055 s). Output does
 * not depend on it.
 */
function rendererEnv(): Record<string, string | undefined> {
  return { ...process.env, GOGC: process.env["GOGC"] ?? "400" };
}

/**
 * Runs the renderer on `dir` (in {@link rendererEnv}): its output as printed, unparsed, and its
 * non-empty stderr lines.
 *
 * @throws ArgusKustomizeError KUSTOMIZE_BUILD_FAILED with kustomize's own message, KUBECTL_NOT_FOUND
 */
export function runKustomize(dir: string, renderer: Renderer): Promise<{ yaml: string; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(renderer.binary, [...renderer.args, dir], { maxBuffer: 64 * 1024 * 1024, encoding: "utf8", env: rendererEnv() }, (error, stdout, stderr) => {
      if (error !== null) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES") {
          reject(new ArgusKustomizeError("KUBECTL_NOT_FOUND", `cannot run ${renderer.binary}: ${INSTALL_HINT}`, { cause: error }));
          return;
        }
        const message = kustomizeMessage(stderr) || error.message;
        reject(
          new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `${renderer.label} ${dir} failed: ${message}`, {
            cause: error,
            location: { file: dir },
          }),
        );
        return;
      }
      resolve({ yaml: stdout, warnings: stderr.split("\n").filter((line) => line.trim() !== "") });
    });
  });
}

/**
 * Parses kustomize's output (a YAML stream of objects), dropping empty documents. With js-yaml's
 * core schema (src/yaml-documents.ts): reading hundreds of overlays' output is the busy part of
 * this process while kustomize runs.
 *
 * @throws ArgusKustomizeError KUSTOMIZE_BUILD_FAILED when the output is not YAML
 */
export function parseStream(yaml: string, source: string): Array<Record<string, unknown>> {
  let documents: unknown[];
  try {
    documents = yamlStream(yaml);
  } catch (error) {
    throw new ArgusKustomizeError("KUSTOMIZE_BUILD_FAILED", `unparsable output: ${(error as Error).message}`, { cause: error, location: { file: source } });
  }
  return documents.flatMap((value) => (value === null || value === undefined ? [] : [value as Record<string, unknown>]));
}

function requireExecutable(binary: string, variable: string, env: Readonly<Record<string, string | undefined>>): string {
  const found = binary.includes("/") ? (isExecutable(binary) ? binary : undefined) : whichSync(binary, env);
  if (found === undefined) {
    throw new ArgusKustomizeError("KUBECTL_NOT_FOUND", `${variable}=${binary} is not an executable file: ${INSTALL_HINT}`);
  }
  return found;
}

function whichSync(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env["PATH"] ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * kubectl's failure output as a person wants it: without klog's prefix
 * (`E1125 22:39:59.162112  461 run.go:72] "command failed" err="…"`) and with the quoted error
 * unwrapped, one line per line of stderr joined by "; ".
 */
export function kustomizeMessage(stderr: string): string {
  return stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const unprefixed = line.replace(/^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]+\] /, "");
      const quoted = /^"command failed" err="((?:[^"\\]|\\.)*)"$/.exec(unprefixed);
      return quoted !== null ? (JSON.parse(`"${quoted[1]}"`) as string) : unprefixed;
    })
    .join("; ");
}
