import { closeSync, openSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { componentNames, type ComponentRegistry } from "../model/components.js";
import { environmentSourceFromText } from "../model/environment-file.js";
import { loadEnvironments, type ImageVersion } from "../model/environment-spec.js";
import { fileAccessError, withOsErrors } from "../os-errors.js";
import { withVersion, type SetVersion } from "../tree/image-version-edit.js";
import { resolveEnvironments } from "../tree/resolve-environments.js";
import { generateTree, type GenerateOptions, type GenerateResult } from "./generate.js";
import { openTree } from "./tree.js";

export type { SetVersion };

/*
 * Image promotion: an environment file is the one place an environment's versions live, so a
 * bump edits that file (comments and layout kept) and then generates, and the GitOps repo's check
 * stays green. Built-in environments have no file to edit; they are refused with the way out.
 */

/** One image to set: `component=TAG` or `component=@sha256:…` of an environment. */
export interface ImageUpdate {
  readonly environment: string;
  readonly component: string;
  readonly version: SetVersion;
}

/** What a set-image run changed in an environment file. */
export interface AppliedImageUpdate extends ImageUpdate {
  /** The environment file, as given or recorded (relative to the working directory). */
  readonly file: string;
  /** The version before, when the file had one. */
  readonly previous?: ImageVersion;
}

/**
 * Parses the values of `--set-image`: an environment name followed by one or more
 * `component=TAG` / `component=@sha256:<hex>`; repeatable (`--set-image staging backend=1.4.3
 * frontend=1.4.3 --set-image prod backend=1.4.2`).
 *
 * @throws ArgusKustomizeError USAGE naming the bad value
 */
export function parseImageUpdates(tokens: readonly string[]): ImageUpdate[] {
  const updates: ImageUpdate[] = [];
  let environment: string | undefined;
  let pending = false;
  const usage = (message: string, value: string) =>
    new ArgusKustomizeError("USAGE", `--set-image ${JSON.stringify(value)}: ${message}`, { location: { field: "--set-image" } });
  for (const token of tokens) {
    const equals = token.indexOf("=");
    if (equals === -1) {
      if (pending) throw usage("give component=TAG or component=@sha256:<digest> after the environment name", environment ?? token);
      environment = token;
      pending = true;
      continue;
    }
    if (environment === undefined) throw usage("give the environment first: --set-image ENV component=TAG", token);
    const component = token.slice(0, equals);
    const value = token.slice(equals + 1);
    // The value's format is checked by the environment schema when the file is re-read, so a bad
    // one is reported like any bad field (file, line, environment, field).
    const version: SetVersion = value.startsWith("@") ? { digest: value.slice(1) } : { tag: value };
    if (updates.some((update) => update.environment === environment && update.component === component)) {
      throw usage(`${component} of ${environment} is given twice; give each component one version`, token);
    }
    updates.push({ environment, component, version });
    pending = false;
  }
  if (pending) throw usage("give component=TAG or component=@sha256:<digest> after the environment name", environment ?? "");
  return updates;
}

/**
 * Sets image versions in the environments' files and generates, as one transaction: the files are
 * edited under the tree's lock, and when the generate fails or is stopped (SIGINT, SIGTERM) before
 * its tree is committed, every file edited is put back byte for byte, so nothing changes.
 *
 * @throws ArgusKustomizeError USAGE for an unknown environment or component, or an environment
 * without a file (built-in or script); INVALID_SPEC for a bad version (naming file:line and field)
 * @example
 * await setImages([{ environment: "staging", component: "backend", version: { tag: "1.4.3" } }], { dir: "deploy" });
 */
export async function setImages(
  updates: readonly ImageUpdate[],
  options: GenerateOptions<string> = {},
): Promise<GenerateResult & { readonly imageUpdates: readonly AppliedImageUpdate[] }> {
  return withOsErrors(async () => {
    const tree = await openTree(options, true);
    let applied: AppliedImageUpdate[] = [];
    const result = await generateTree(tree, tree.options, {
      apply: async () => {
        const edits = await imageEdits(updates, tree.options);
        applied = edits.applied;
        return writeEdits(edits.files);
      },
    });
    return { ...result, imageUpdates: applied };
  });
}

/** One environment file's edit: its bytes before (put back on failure) and its new text. */
interface FileEdit {
  readonly absolute: string;
  readonly shown: string;
  readonly before: Buffer;
  text: string;
  readonly json: boolean;
}

/**
 * The new text of every environment file the updates touch, each re-read and validated as it
 * will be written (a bad tag is reported with its file and line before anything changes).
 */
async function imageEdits(
  updates: readonly ImageUpdate[],
  options: GenerateOptions<string> & { readonly dir: string; readonly components: ComponentRegistry },
) {
  const root = options.dir;
  const registry = options.components;
  const resolved = await resolveEnvironments(options);
  const edits = new Map<string, FileEdit>();
  const applied: AppliedImageUpdate[] = [];

  for (const update of updates) {
    const index = resolved.specs.findIndex((spec) => spec.name === update.environment);
    if (index === -1) {
      throw new ArgusKustomizeError(
        "USAGE",
        `--set-image: the tree has no environment "${update.environment}" (have: ${resolved.specs.map((spec) => spec.name).join(", ")})`,
        {
          location: { environment: update.environment, field: "--set-image" },
        },
      );
    }
    if (!componentNames(registry).includes(update.component)) {
      throw new ArgusKustomizeError("USAGE", `--set-image: no component "${update.component}" (components: ${componentNames(registry).join(", ")})`, {
        location: { environment: update.environment, field: `images.${update.component}` },
      });
    }
    const source = resolved.recorded[index]!;
    if ("builtin" in source) {
      throw new ArgusKustomizeError(
        "USAGE",
        `--set-image: "${update.environment}" is built in and has no file to hold its version. Move it to an environment file ` +
          `(write its fields into e.g. envs/${update.environment}.yaml, see examples/staging.yaml), generate once with --env-file envs/${update.environment}.yaml, ` +
          "then --set-image edits that file; or pin it from a script (prodEnvironment({ image: { tag } }))",
        { location: { environment: update.environment, field: `images.${update.component}` } },
      );
    }
    if ("spec" in source) {
      throw new ArgusKustomizeError(
        "USAGE",
        `--set-image: "${update.environment}" is defined by a script (stored whole in the record); change its images there and run the script`,
        {
          location: { environment: update.environment, field: `images.${update.component}` },
        },
      );
    }
    const absolute = path.resolve(root, source.file);
    let edit = edits.get(absolute);
    if (edit === undefined) {
      const shown = path.relative(process.cwd(), absolute) || source.file;
      const before = await readFile(absolute).catch((error: unknown) => Promise.reject(fileAccessError(error, "read the environment file")));
      edit = { absolute, shown, before, text: before.toString("utf8"), json: absolute.endsWith(".json") };
      edits.set(absolute, edit);
    }
    const previous = resolved.specs[index]!.images?.[update.component as never] as ImageVersion | undefined;
    edit.text = withVersion(edit.text, edit.json, update.component, update.version);
    applied.push({ ...update, file: edit.shown, ...(previous !== undefined ? { previous } : {}) });
  }
  for (const edit of edits.values()) loadEnvironments([environmentSourceFromText(edit.text, edit.shown)], registry);
  return { files: [...edits.values()], applied };
}

/**
 * Writes the edits and returns their undo. Synchronous writes: a SIGINT's handler (which runs
 * between event-loop turns) can then never find a file half-written, nor race a write still in
 * flight on another thread when it puts the bytes back.
 */
function writeEdits(files: readonly FileEdit[]): () => void {
  // Files opened for writing (so possibly changed): the ones to put back.
  const touched: FileEdit[] = [];
  const undo = () => {
    const failed: string[] = [];
    for (const edit of touched.splice(0)) {
      try {
        writeFileSync(edit.absolute, edit.before);
      } catch (error) {
        failed.push(`${edit.shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    if (failed.length > 0) {
      throw new ArgusKustomizeError("FILE_ACCESS", `could not put back ${failed.join(", ")}: restore it from git (git checkout -- FILE)`, {
        location: { field: "--set-image" },
      });
    }
  };
  for (const edit of files) {
    if (edit.text === edit.before.toString("utf8")) continue;
    let fd: number;
    try {
      // Opened first: a refused open has changed nothing, so there is nothing to put back.
      fd = openSync(edit.absolute, "w");
    } catch (error) {
      undo();
      throw fileAccessError(error, "write the environment file");
    }
    touched.push(edit);
    try {
      writeFileSync(fd, edit.text);
    } catch (error) {
      undo();
      throw fileAccessError(error, "write the environment file");
    } finally {
      closeSync(fd);
    }
  }
  return undo;
}
