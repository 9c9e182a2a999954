import type { DiffOptions, EnvironmentsDiff } from "../commands/diff.js";
import type { CheckOptions, CheckResult } from "../commands/check.js";
import type { GenerateOptions, GenerateResult } from "../commands/generate.js";
import type { InitOptions, InitResult } from "../commands/init.js";
import type { AppliedImageUpdate } from "../commands/set-image.js";
import type { OverlayValidation, ValidateOptions } from "../commands/validate.js";
import type { Rendered } from "../render/kustomize.js";
import type { RenderOptions } from "../commands/render.js";
import type { DriftHint } from "../tree/drift-hints.js";

/*
 * The CLI's commands, each loading its code when it runs: `--help` and `--version` load none of
 * it, and a `check` of an unchanged tree whose plan is remembered (plan-memo.ts) loads neither the
 * model, nor the YAML library, nor a schema: only what it reads. The bundler (scripts/bundle.mjs)
 * turns each dynamic import into a chunk loaded on demand.
 */

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  return (await import("../commands/generate.js")).generate(options);
}

/** `--set-image` flags parsed, applied to their environment files, then generate. */
export async function setImagesFromFlags(
  flags: readonly string[],
  options: GenerateOptions,
): Promise<GenerateResult & { readonly imageUpdates: readonly AppliedImageUpdate[] }> {
  const { parseImageUpdates, setImages } = await import("../commands/set-image.js");
  return setImages(parseImageUpdates(flags), options);
}

export async function checkTree(options: CheckOptions): Promise<CheckResult> {
  const { rememberedCheck } = await import("./remembered-check.js");
  const remembered = await rememberedCheck(options);
  if (remembered !== undefined) return remembered;
  return (await import("../commands/check.js")).checkTree(options);
}

export async function init(options: InitOptions): Promise<InitResult> {
  return (await import("../commands/init.js")).init(options);
}

export async function render(environment: string, options: RenderOptions): Promise<Rendered> {
  return (await import("../commands/render.js")).render(environment, options);
}

export async function validate(environments: readonly string[], options: ValidateOptions): Promise<OverlayValidation[]> {
  return (await import("../commands/validate.js")).validate(environments, options);
}

export async function diffEnvironments(from: string, to: string, options: DiffOptions): Promise<EnvironmentsDiff> {
  return (await import("../commands/diff.js")).diffEnvironments(from, to, options);
}

/** Hints for drifted files; none to give for no drift (and nothing loaded for it). */
export async function driftHints(dir: string, paths: readonly string[]): Promise<DriftHint[]> {
  if (paths.length === 0) return [];
  return (await import("../tree/drift-hints.js")).driftHints(dir, paths);
}
