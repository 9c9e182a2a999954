import path from "node:path";
import type { EnvironmentsDiff, DiffOptions } from "./diff/environments.js";
import type { CheckOptions, GenerateOptions, GenerateResult, OverlayValidation, RenderOptions, ValidateOptions } from "./pipeline.js";
import { rememberedNoDrift } from "./plan-memo.js";
import type { Rendered } from "./render/kustomize.js";
import type { AppliedImageUpdate } from "./set-image.js";
import type { DriftHint } from "./tree/drift-hints.js";
import type { TreeDrift } from "./write/tree.js";

/*
 * The CLI's commands, each loading its code when it runs: `--help` and `--version` load none of
 * it, and a `check` of an unchanged tree whose plan is remembered (plan-memo.ts) loads neither the
 * model, nor the YAML library, nor the schemas: only what it reads. The bundler (scripts/
 * bundle.mjs) turns each dynamic import into a chunk loaded on demand.
 */

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  return (await import("./pipeline.js")).generate(options);
}

/** `--set-image` flags parsed, applied to their environment files, then generate. */
export async function setImagesFromFlags(flags: readonly string[], options: GenerateOptions): Promise<GenerateResult & { readonly imageUpdates: readonly AppliedImageUpdate[] }> {
  const { parseImageUpdates, setImages } = await import("./set-image.js");
  return setImages(parseImageUpdates(flags), options);
}

export async function check(options: CheckOptions): Promise<TreeDrift[]> {
  // A script's own environments, components or base never come here (the CLI gives none).
  if (await rememberedNoDrift({ ...options, dir: path.resolve(options.dir ?? process.cwd()) })) return [];
  return (await import("./pipeline.js")).check(options);
}

export async function render(environment: string, options: RenderOptions): Promise<Rendered> {
  return (await import("./pipeline.js")).render(environment, options);
}

export async function validate(environments: readonly string[], options: ValidateOptions): Promise<OverlayValidation[]> {
  return (await import("./pipeline.js")).validate(environments, options);
}

export async function diffEnvironments(from: string, to: string, options: DiffOptions): Promise<EnvironmentsDiff> {
  return (await import("./diff/environments.js")).diffEnvironments(from, to, options);
}

/** Hints for drifted files; none to give for no drift (and nothing loaded for it). */
export async function driftHints(dir: string, paths: readonly string[]): Promise<DriftHint[]> {
  if (paths.length === 0) return [];
  return (await import("./tree/drift-hints.js")).driftHints(dir, paths);
}
