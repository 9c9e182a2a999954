import { spawnSync } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { ArgusKustomizeError, type Problem } from "../errors.js";
import { argusBase } from "../model/base.js";
import type { ArgusConfig } from "../model/config.js";
import type { ComponentRegistry } from "../model/components.js";
import { isOsError } from "../os-errors.js";

/*
 * Finding and loading `argusai-kustomize.config.*` at a tree's root. JavaScript configs are
 * imported natively; TypeScript ones through jiti (the loader ESLint and Tailwind use for their
 * TypeScript configs), imported only when such a config exists, so a run with an .mjs config or
 * none never loads it.
 */

/** The config file names, in the order they are looked for. */
export const CONFIG_FILES = [
  "argusai-kustomize.config.mjs",
  "argusai-kustomize.config.js",
  "argusai-kustomize.config.ts",
  "argusai-kustomize.config.mts",
] as const;

/** A config as loaded: where it came from (absent: no config file) and what it says. */
export interface LoadedConfig {
  /** The config file's absolute path; undefined when the tree has none. */
  readonly file?: string;
  readonly config: ArgusConfig;
}

/** The config files in `dir` (normally none or one). */
export async function configFilesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of CONFIG_FILES) {
    const info = await stat(path.join(dir, name)).catch((error: unknown) => {
      if (isOsError(error) && (error.code === "ENOENT" || error.code === "ENOTDIR")) return undefined;
      throw error;
    });
    if (info !== undefined) found.push(path.join(dir, name));
  }
  return found;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const quantities = z.strictObject({ cpu: z.string(), memory: z.string() });

/** The shape of a component, checked before the base is built from it (the type says the rest). */
const componentSchema = z.looseObject({
  name: z.string().regex(DNS1123_LABEL, "must be a lowercase DNS-1123 label (a-z, 0-9, -)"),
  deploymentName: z.string().regex(DNS1123_LABEL, "must be a lowercase DNS-1123 label (a-z, 0-9, -)"),
  imageRepository: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  probes: z.looseObject({
    action: z.union([
      z.strictObject({ httpGet: z.strictObject({ path: z.string() }) }),
      z.strictObject({ exec: z.strictObject({ command: z.array(z.string()).min(1) }) }),
    ]),
    livenessInitialDelaySeconds: z.number().int().min(0),
    livenessPeriodSeconds: z.number().int().min(1),
    readinessInitialDelaySeconds: z.number().int().min(0),
  }),
  singleWriter: z.boolean(),
  user: z.looseObject({ runAsUser: z.number().int().min(1), fsGroup: z.number().int().min(0).optional() }),
  resources: z.strictObject({ requests: quantities, limits: quantities }),
  readsConfig: z.boolean(),
  env: z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", "must be a function (service) => [{ name, value }]").optional(),
});

const configSchema = z.strictObject({
  components: z.array(componentSchema).min(1).optional(),
  argocd: z
    .strictObject({
      repoURL: z.string().optional(),
      targetRevision: z.string().optional(),
      project: z.string().optional(),
      destination: z.union([z.strictObject({ server: z.string() }), z.strictObject({ name: z.string() })]).optional(),
    })
    .optional(),
});

/**
 * Loads the config at the root of the tree in `dir`; an empty config when there is none.
 *
 * @throws ArgusKustomizeError CONFIG_INVALID naming the file: it throws while loading, has no
 * default export, or exports something that is not a config (every problem listed)
 */
export async function loadConfig(dir: string): Promise<LoadedConfig> {
  const files = await configFilesIn(dir);
  if (files.length === 0) return { config: {} };
  const file = files[0]!;
  const shown = path.basename(file);
  const invalid = (message: string, options: { cause?: unknown; problems?: readonly Problem[] } = {}) =>
    new ArgusKustomizeError("CONFIG_INVALID", message, { ...options, location: { file } });
  if (files.length > 1) {
    throw invalid(`the tree has ${files.length} config files (${files.map((candidate) => path.basename(candidate)).join(", ")}); keep one`);
  }
  let exported: unknown;
  try {
    exported = await importConfig(file);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
    throw new ArgusKustomizeError("CONFIG_INVALID", `${shown} failed to load: ${reason.split("\n")[0]!.trim()}`, {
      cause: error,
      location: { file, ...lineOfFailure(file, error) },
    });
  }
  if (exported === undefined) throw invalid(`${shown} has no default export: end it with export default defineConfig({ ... })`);
  const parsed = configSchema.safeParse(exported);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ file, field: issue.path.join(".") || "(default export)", message: issue.message }));
    throw invalid(`${shown} does not export a valid config (${problems.length} problem(s))`, { problems });
  }
  const config = exported as ArgusConfig;
  if (config.components !== undefined) checkRegistry(config.components, invalid);
  return { file, config };
}

/**
 * The line of the config a load failure points at: where the config threw (its frame in the
 * stack), where jiti's parser stopped (`file:line:column` in its message), or, for JavaScript that
 * does not parse, where Node's own `--check` says (Node keeps that location out of the error
 * object; the check runs only on this error path).
 */
function lineOfFailure(file: string, error: unknown): { line?: number } {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : "";
  for (const place of [pathToFileURL(file).href, file]) {
    const escaped = place.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const found = new RegExp(`${escaped}(?:\\?[^:\\s]*)?:(\\d+):\\d+`).exec(text);
    if (found !== null) return { line: Number(found[1]) };
  }
  if (error instanceof SyntaxError) {
    const checked = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 10_000 });
    // Its first line is `<file>:<line>`.
    const found = /:(\d+)$/.exec(checked.stderr.split("\n")[0] ?? "");
    if (found !== null) return { line: Number(found[1]) };
  }
  return {};
}

/** Duplicate names, and a base that cannot be built from the registry, are the config's errors. */
function checkRegistry(components: ComponentRegistry, invalid: (message: string, options?: { cause?: unknown; problems?: readonly Problem[] }) => Error): void {
  for (const key of ["name", "deploymentName"] as const) {
    const seen = new Set<string>();
    for (const [index, component] of components.entries()) {
      if (seen.has(component[key])) throw invalid(`components.${index}.${key}: "${component[key]}" is used by two components; give each its own`);
      seen.add(component[key]);
    }
  }
  try {
    argusBase(components);
  } catch (error) {
    throw invalid(`its components do not make a base: ${(error as Error).message}`, { cause: error });
  }
}

/** The config module's default export. */
async function importConfig(file: string): Promise<unknown> {
  if (file.endsWith(".ts") || file.endsWith(".mts")) {
    const { createJiti } = await import("jiti");
    // No caches: the config is read afresh on every run, and nothing is written beside it.
    const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
    return ((await jiti.import(file)) as { default?: unknown }).default;
  }
  // The file's modification time in the URL: a library caller that edits the config between
  // two calls gets the new one (Node caches a module by its URL).
  const { mtimeMs } = await stat(file);
  const module = (await import(`${pathToFileURL(file).href}?mtime=${mtimeMs}`)) as { default?: unknown };
  return module.default;
}
