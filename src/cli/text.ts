import { createTwoFilesPatch } from "diff";
import { ARGOCD_REPO_URL_PLACEHOLDER } from "../argocd/placeholder.js";
import type { GenerateResult } from "../commands/generate.js";
import type { InitResult } from "../commands/init.js";
import type { AppliedImageUpdate } from "../commands/set-image.js";
import type { OverlayValidation } from "../commands/validate.js";
import type { EnvironmentsDiff } from "../commands/diff.js";
import { formatObjectsDiff } from "../diff/objects.js";
import type { EnvironmentNotice } from "../model/built-in-environments.js";
import { formatProblem } from "../errors.js";
import type { DriftHint } from "../tree/drift-hints.js";
import type { UpgradeFinding } from "../tree/upgrade-check.js";
import { upgradeProblem } from "../tree/upgrade-problem.js";
import { formatViolation } from "../validate/violation.js";
import type { TreeDrift } from "../write/planned-tree.js";

/*
 * The text output of each command: what a person reads. Lines on stdout are the result; warnings,
 * notes and hints go to stderr, one line each, so `render prod | kubectl apply -f -` stays clean.
 */

/** Where a command's lines go. */
export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Warnings and notes on stderr, one line each, in the problem shape. */
export function writeNotices(output: Output, notices: readonly EnvironmentNotice[]): void {
  for (const notice of notices) output.err(`${notice.level}: environment "${notice.environment}", field ${notice.field}: ${notice.message}\n`);
}

/** A unified diff of one drifted file (a/ on disk, b/ as generate would write it). */
export function driftPatch(file: TreeDrift): string {
  const from = file.actual === undefined ? "/dev/null" : `a/${file.path}`;
  const to = file.expected === undefined ? "/dev/null" : `b/${file.path}`;
  return createTwoFilesPatch(from, to, file.actual ?? "", file.expected ?? "", undefined, undefined, {
    headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
  });
}

const showVersion = (version: { readonly tag?: string | undefined; readonly digest?: string | undefined }) =>
  version.digest !== undefined ? `@${version.digest}` : (version.tag ?? "(base)");

export function writeGenerate(output: Output, result: GenerateResult, imageUpdates: readonly AppliedImageUpdate[]): void {
  if (result.newTree) output.out(`no tree in ${result.dir} or above: started a new one there\n`);
  for (const update of imageUpdates) {
    output.out(
      `${update.file}: ${update.environment} ${update.component} ${update.previous !== undefined ? showVersion(update.previous) : "(base)"} -> ${showVersion(update.version)}\n`,
    );
  }
  for (const overlay of result.overlays) {
    output.out(`${overlay.dir}: ${overlay.objects} objects, namespace ${overlay.namespaces.join(",")}, images ${overlay.images.join(" ")}\n`);
  }
  output.out(
    `rendered with ${result.renderer}, schema and policies valid; ${result.written.length} file(s) written, ${result.unchanged.length} unchanged, ${result.deleted.length} deleted` +
      (result.seeded.length > 0 ? `, created ${result.seeded.join(", ")}` : "") +
      (result.kept.length > 0 ? `, kept ${result.kept.join(", ")} (generate never deletes secrets; remove it yourself)` : "") +
      "\n",
  );
  for (const application of result.applications) {
    const placeholder =
      application.repoURL === ARGOCD_REPO_URL_PLACEHOLDER ? " (a placeholder: set argocd.repoURL in the config, --repo-url, or an origin remote)" : "";
    output.out(`${application.file}: Argo CD Application ${application.name}, ${application.repoURL} path ${application.path}${placeholder}\n`);
  }
  writeNotices(output, result.notices);
}

/** check's diffs on stdout and its summary and hints on stderr; returns whether the tree drifted. */
export function writeCheck(output: Output, drift: readonly TreeDrift[], hints: readonly DriftHint[], upgrades: readonly UpgradeFinding[] = []): boolean {
  const refused = upgrades.map((finding) => `refused: ${formatProblem(upgradeProblem(finding))}\n`).join("");
  if (drift.length === 0) {
    if (refused !== "") output.err(refused);
    else output.out("tree is up to date\n");
    return refused !== "";
  }
  for (const file of drift) {
    if (file.status === "interrupted") output.out(`${file.path}: a generate was interrupted while replacing the tree; run generate to finish it\n`);
    else output.out(driftPatch(file));
  }
  output.err(
    `${drift.length} file(s) differ from what generate would write: ${drift.map((file) => `${file.path} (${file.status})`).join(", ")}; run argusai-kustomize generate\n`,
  );
  output.err(refused);
  // Hand edits are undone by generate: say where each change belongs (only for edited files).
  for (const hint of hints.filter((candidate) => drift.some((file) => file.path === candidate.path && file.status === "changed"))) {
    output.err(`hint: ${hint.hint}\n`);
  }
  return true;
}

/** validate's lines; returns how many violations (and, with --strict, warnings) fail the run. */
export function writeValidate(output: Output, results: readonly OverlayValidation[], strict: boolean): number {
  let total = strict ? results.flatMap((result) => result.notices.filter((notice) => notice.level === "warning")).length : 0;
  for (const result of results) {
    writeNotices(output, result.notices);
    total += result.violations.length;
    const placeholders = result.placeholderSeeds.length > 0 ? ` (with placeholder ${result.placeholderSeeds.join(", ")}: none on this machine)` : "";
    output.out(
      `${result.dir}: ${result.objects} objects, ${result.violations.length === 0 ? "valid" : `${result.violations.length} violation(s)`}${placeholders}\n`,
    );
    for (const violation of result.violations) output.out(`  ${formatViolation(violation)}\n`);
  }
  return total;
}

export function writeDiff(output: Output, result: EnvironmentsDiff): void {
  const lines = formatObjectsDiff(result);
  output.out(lines.length === 0 ? `${result.to} renders the same objects as ${result.from}\n` : `${lines.join("\n")}\n`);
  if (result.unified !== undefined && result.unified !== "") output.out(`\n${result.unified}`);
}

export function writeInit(output: Output, result: InitResult): void {
  if (result.how === "found" && result.dir !== process.cwd()) {
    output.out(`found the tree at ${result.dir} (the nearest one upwards): init completes that one, creating only what it lacks\n`);
  }
  for (const file of result.files) {
    if (file.status === "created") output.out(`created ${file.path}\n`);
    else if (file.status === "exists") output.out(`exists  ${file.path} (left alone)\n`);
    else output.out(`exists  ${file.path} (left alone; add these lines to it: ${(file.missing ?? []).join(" ")})\n`);
  }
  output.out("\nnext steps:\n");
  for (const [index, step] of result.nextSteps.entries()) output.out(`  ${index + 1}. ${step}\n`);
}
