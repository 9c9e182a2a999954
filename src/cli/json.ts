import { CommanderError } from "commander";
import type { EnvironmentsDiff } from "../commands/diff.js";
import type { GenerateResult } from "../commands/generate.js";
import type { InitResult } from "../commands/init.js";
import type { AppliedImageUpdate } from "../commands/set-image.js";
import type { OverlayValidation } from "../commands/validate.js";
import { ArgusKustomizeError } from "../errors.js";
import type { DriftHint } from "../tree/drift-hints.js";
import type { UpgradeFinding } from "../tree/upgrade-check.js";
import type { TreeDrift } from "../write/planned-tree.js";

/*
 * The `--json` output of the CLI: one JSON document on stdout per run, `{ "command", "ok", ... }`,
 * with arrays of objects (never maps keyed by data), documented in the README. Fields are only
 * ever added, never renamed or removed. Exit codes are the same as without --json.
 */

/** The commands that take --json. */
export type JsonCommand = "generate" | "check" | "validate" | "diff" | "init";

/** `generate --json`. */
export function generateJson(result: GenerateResult, imageUpdates: readonly AppliedImageUpdate[] = []) {
  return {
    command: "generate",
    ok: true,
    dir: result.dir,
    newTree: result.newTree,
    configFile: result.configFile ?? null,
    renderer: result.renderer,
    overlays: result.overlays.map((overlay) => ({
      environment: overlay.environment,
      dir: overlay.dir,
      objects: overlay.objects,
      namespaces: [...overlay.namespaces],
      images: [...overlay.images],
    })),
    applications: result.applications.map((application) => ({ ...application })),
    notices: result.notices.map((notice) => ({ ...notice })),
    files: {
      written: [...result.written],
      unchanged: [...result.unchanged],
      deleted: [...result.deleted],
      seeded: [...result.seeded],
      kept: [...result.kept],
    },
    imageUpdates: imageUpdates.map((update) => ({
      environment: update.environment,
      component: update.component,
      file: update.file,
      from: update.previous ?? null,
      to: update.version,
    })),
  };
}

/** `check --json`: `ok` is false when any file drifted; `diff` is the unified diff of that file. */
export function checkJson(dir: string, drift: readonly TreeDrift[], hints: readonly DriftHint[], diffs: ReadonlyMap<string, string>) {
  return {
    command: "check",
    ok: drift.length === 0,
    dir,
    drift: drift.map((file) => {
      const hint = hints.find((candidate) => candidate.path === file.path);
      return {
        path: file.path,
        status: file.status,
        environment: hint?.environment ?? null,
        source: hint?.source ?? null,
        hint: hint?.hint ?? null,
        diff: diffs.get(file.path) ?? null,
      };
    }),
  };
}

/**
 * `check --json`'s `upgrades` (and `ok` false when there are any): the changes of existing objects
 * generate would refuse without --allow-replace, one per object field.
 */
export function upgradesJson(upgrades: readonly UpgradeFinding[]) {
  return {
    ...(upgrades.length > 0 ? { ok: false } : {}),
    upgrades: upgrades.map((finding) => ({
      environment: finding.environment,
      field: finding.field,
      object: finding.object,
      objectField: finding.objectField,
      before: finding.before ?? null,
      after: finding.after ?? null,
      reason: finding.reason,
      fix: finding.fix,
    })),
  };
}

/** `validate --json`: `ok` is false when any overlay has a violation. */
export function validateJson(results: readonly OverlayValidation[], strict = false) {
  return {
    command: "validate",
    // --strict: a warning notice fails like a violation.
    ok: results.every((result) => result.violations.length === 0 && (!strict || result.notices.every((notice) => notice.level !== "warning"))),
    overlays: results.map((result) => ({
      environment: result.environment,
      dir: result.dir,
      objects: result.objects,
      valid: result.violations.length === 0,
      placeholderSeeds: [...result.placeholderSeeds],
      violations: result.violations.map((violation) => ({ ...violation })),
      notices: result.notices.map((notice) => ({ ...notice })),
    })),
  };
}

/** `diff --json`: differences are the normal result, so `ok` is true. */
export function diffJson(result: EnvironmentsDiff) {
  return {
    command: "diff",
    ok: true,
    from: result.from,
    to: result.to,
    changed: result.changed.map((change) => ({
      kind: change.kind,
      name: change.name,
      field: change.field,
      // "added": only the second environment has the field; "removed": only the first.
      change: !("from" in change) ? "added" : !("to" in change) ? "removed" : "changed",
      from: "from" in change ? change.from : null,
      to: "to" in change ? change.to : null,
    })),
    added: result.added.map((object) => ({ ...object })),
    removed: result.removed.map((object) => ({ ...object })),
    ...(result.unified !== undefined ? { unified: result.unified } : {}),
  };
}

/** `init --json`. */
export function initJson(result: InitResult) {
  return {
    command: "init",
    ok: true,
    dir: result.dir,
    how: result.how,
    files: result.files.map((file) => ({ path: file.path, status: file.status, missing: file.missing !== undefined ? [...file.missing] : null })),
    nextSteps: [...result.nextSteps],
  };
}

/** Any failure under --json: the error's code, message and problems as data. */
export function errorJson(command: string, error: unknown) {
  if (error instanceof ArgusKustomizeError) {
    return {
      command,
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        problems: error.problems.map((problem) => ({
          file: problem.file ?? null,
          line: problem.line ?? null,
          environment: problem.environment ?? null,
          field: problem.field ?? null,
          message: problem.message,
        })),
        location: {
          file: error.location.file ?? null,
          line: error.location.line ?? null,
          environment: error.location.environment ?? null,
          field: error.location.field ?? null,
        },
      },
    };
  }
  const location = { file: null, line: null, environment: null, field: null };
  // The argument parser's own errors are usage errors, exit 2, like every other.
  if (error instanceof CommanderError)
    return { command, ok: false, error: { code: "USAGE", message: error.message.replace(/^error: /, ""), problems: [], location } };
  // Not a condition the contract names: a bug (exit 70).
  return { command, ok: false, error: { code: "UNEXPECTED", message: (error as Error)?.message ?? String(error), problems: [], location } };
}

/** One JSON document and a newline. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
