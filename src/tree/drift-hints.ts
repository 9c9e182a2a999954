import path from "node:path";
import { RECORD_FILE, readRecord, type RecordedEnvironment } from "./record.js";

/*
 * A hand edit of a generated file (Renovate bumping newTag in overlays/prod/kustomization.yaml,
 * a person fixing a replica count) is undone by the next generate. check says where the change
 * belongs instead: the environment's source.
 */

/** Where a drifted file's content comes from, and what to change instead of the file. */
export interface DriftHint {
  readonly path: string;
  /** The environment the file belongs to, when it belongs to one. */
  readonly environment?: string;
  /** `file envs/staging.yaml`, `built-in prod`, `script`, `component registry` or `generate`. */
  readonly source: string;
  readonly hint: string;
}

/**
 * One hint per drifted path, from the tree's record.
 *
 * @example
 * await driftHints(".", ["overlays/prod/kustomization.yaml"]);
 * // [{ path: "overlays/prod/kustomization.yaml", environment: "prod", source: "built-in prod", hint: "..." }]
 */
export async function driftHints(dir: string, paths: readonly string[]): Promise<DriftHint[]> {
  const root = path.resolve(dir);
  const { environments } = await readRecord(root).catch(() => ({ environments: [] as RecordedEnvironment[] }));
  return paths.map((file) => {
    const environment = /^(?:overlays\/([^/]+)\/|argocd\/([^/]+)\.yaml$)/.exec(file);
    const name = environment?.[1] ?? environment?.[2];
    if (name === undefined) {
      if (file.startsWith("base/")) {
        return {
          path: file,
          source: "component registry",
          hint: `${file} is generated from the component registry: change the component (or the base) in code, not the file, then run argusai-kustomize generate`,
        };
      }
      return {
        path: file,
        source: "generate",
        hint: `${file} is written by argusai-kustomize generate: run it instead of editing ${file === RECORD_FILE ? "the record" : "the file"}`,
      };
    }
    const recorded = environments.find((entry) => ("builtin" in entry ? entry.builtin : "file" in entry ? entry.name : entry.spec.name) === name);
    if (recorded === undefined)
      return { path: file, environment: name, source: "generate", hint: `environment "${name}" is not in the record: run argusai-kustomize generate` };
    if ("file" in recorded) {
      const shown = path.relative(process.cwd(), path.resolve(root, recorded.file)) || recorded.file;
      return {
        path: file,
        environment: name,
        source: `file ${shown}`,
        hint: `${file} is generated from ${shown}: change that file (an image: argusai-kustomize generate --set-image ${name} component=TAG), then run argusai-kustomize generate`,
      };
    }
    if ("builtin" in recorded) {
      return {
        path: file,
        environment: name,
        source: `built-in ${name}`,
        hint: `${file} is generated from the built-in ${name} environment: move ${name} to an environment file (then edit it, or use --set-image ${name} component=TAG) or define it in a script; a hand edit is undone by the next generate`,
      };
    }
    return {
      path: file,
      environment: name,
      source: "script",
      hint: `${file} is generated from a spec a script gave (stored in ${RECORD_FILE}): change the script and run it`,
    };
  });
}
