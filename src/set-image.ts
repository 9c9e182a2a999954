import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { ArgusKustomizeError } from "./errors.js";
import { componentNames } from "./model/components.js";
import { environmentSourceFromText } from "./model/environment-file.js";
import { loadEnvironments, type ImageVersion } from "./model/environment-spec.js";
import { generate, type GenerateOptions, type GenerateResult } from "./pipeline.js";
import { baseOf, resolveEnvironments } from "./tree/resolve-environments.js";

/*
 * Image promotion: an environment file is the one place an environment's versions live, so a
 * bump edits that file (comments and layout kept) and then generates, and the GitOps repo's check
 * stays green. Built-in environments have no file to edit; they are refused with the way out.
 */

/** The version `--set-image` sets: a tag or a digest (the repository, if any, stays). */
export type SetVersion = { readonly tag: string } | { readonly digest: string };

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
  const usage = (message: string, value: string) => new ArgusKustomizeError("USAGE", `--set-image ${JSON.stringify(value)}: ${message}`, { location: { field: "--set-image" } });
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
 * Sets image versions in the environments' files, then generates. When generate fails, every
 * file edited is put back as it was, so nothing changes.
 *
 * @throws ArgusKustomizeError USAGE for an unknown environment or component, or an environment
 * without a file (built-in or script); INVALID_SPEC for a bad version (naming file:line and field)
 * @example
 * await setImages([{ environment: "staging", component: "backend", version: { tag: "1.4.3" } }], { dir: "deploy" });
 */
export async function setImages(updates: readonly ImageUpdate[], options: GenerateOptions<string> = {}): Promise<GenerateResult & { readonly imageUpdates: readonly AppliedImageUpdate[] }> {
  const root = path.resolve(options.dir ?? process.cwd());
  const registry = baseOf(options).components;
  const resolved = await resolveEnvironments(options);
  const edits = new Map<string, { shown: string; before: string; text: string; json: boolean }>();
  const applied: AppliedImageUpdate[] = [];

  for (const update of updates) {
    const index = resolved.specs.findIndex((spec) => spec.name === update.environment);
    if (index === -1) {
      throw new ArgusKustomizeError("USAGE", `--set-image: the tree has no environment "${update.environment}" (have: ${resolved.specs.map((spec) => spec.name).join(", ")})`, {
        location: { environment: update.environment, field: "--set-image" },
      });
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
      throw new ArgusKustomizeError("USAGE", `--set-image: "${update.environment}" is defined by a script (stored whole in the record); change its images there and run the script`, {
        location: { environment: update.environment, field: `images.${update.component}` },
      });
    }
    const absolute = path.resolve(root, source.file);
    let edit = edits.get(absolute);
    if (edit === undefined) {
      const before = await readFile(absolute, "utf8");
      edit = { shown: path.relative(process.cwd(), absolute) || source.file, before, text: before, json: absolute.endsWith(".json") };
      edits.set(absolute, edit);
    }
    const previous = resolved.specs[index]!.images?.[update.component as never] as ImageVersion | undefined;
    edit.text = withVersion(edit.text, edit.json, update.component, update.version);
    applied.push({ ...update, file: edit.shown, ...(previous !== undefined ? { previous } : {}) });
  }

  // Every edited file must still be a valid environment (a bad tag is reported with its line)
  // before anything is written.
  const texts = new Map<string, string>();
  for (const [absolute, edit] of edits) {
    const text = edit.text;
    loadEnvironments([environmentSourceFromText(text, edit.shown)], registry);
    texts.set(absolute, text);
  }
  for (const [absolute, text] of texts) await writeFile(absolute, text);
  try {
    return { ...(await generate(options)), imageUpdates: applied };
  } catch (error) {
    for (const [absolute, edit] of edits) await writeFile(absolute, edit.before);
    throw error;
  }
}

/**
 * The file's text with `images.<component>` set to a tag or digest. Where the file has a version
 * for the component, only that key and value are replaced in the text, so every comment, blank
 * and alignment stays (what a reviewer of Renovate's or a person's bump wants to see). Where it
 * has none, the entry is added through the YAML document (or JSON), which re-flows the file.
 */
function withVersion(text: string, json: boolean, component: string, version: SetVersion): string {
  const [key, value] = "tag" in version ? (["tag", version.tag] as const) : (["digest", version.digest] as const);
  const document = parseDocument(text);
  const entry = document.getIn(["images", component], true);
  // The one tag or digest of the entry is replaced in place; other keys (a repository) stay.
  const versions = isMap(entry) ? entry.items.filter((pair) => isScalar(pair.key) && ["tag", "digest"].includes(String(pair.key.value))) : [];
  const pair = versions.length === 1 ? versions[0]! : undefined;
  if (pair !== undefined && isScalar(pair.key) && isScalar(pair.value) && pair.key.range && pair.value.range) {
    // Double-quoted: valid in YAML and JSON, and a tag like 1.10 stays the string "1.10".
    const newKey = pair.key.type === "PLAIN" ? key : JSON.stringify(key);
    const [keyStart, keyEnd] = pair.key.range;
    const [valueStart, valueEnd] = pair.value.range;
    return `${text.slice(0, keyStart)}${newKey}${text.slice(keyEnd, valueStart)}${JSON.stringify(value)}${text.slice(valueEnd)}`;
  }
  // An entry with no version yet (only a repository): the key is added as text beside the last
  // one, so the file's comments and layout stay as they were.
  const last = isMap(entry) && versions.length === 0 ? entry.items.at(-1) : undefined;
  if (last !== undefined && isScalar(last.key) && isScalar(last.value) && last.key.range && last.value.range) {
    const addition = `${key}: ${JSON.stringify(value)}`;
    const valueEnd = last.value.range[1];
    if ((entry as { flow?: boolean }).flow === true) return `${text.slice(0, valueEnd)}, ${addition}${text.slice(valueEnd)}`;
    const keyStart = last.key.range[0];
    const indent = text.slice(text.lastIndexOf("\n", keyStart - 1) + 1, keyStart);
    const lineEnd = text.indexOf("\n", valueEnd);
    if (/^[ ]*$/.test(indent)) {
      const at = lineEnd === -1 ? text.length : lineEnd;
      return `${text.slice(0, at)}\n${indent}${addition}${text.slice(at)}`;
    }
  }
  const current = isMap(entry) ? (entry.toJSON() as Record<string, unknown>) : {};
  const { tag: _tag, digest: _digest, ...kept } = current;
  if (json) {
    const spec = JSON.parse(text) as { images?: Record<string, unknown> };
    spec.images = { ...spec.images, [component]: { ...kept, [key]: value } };
    return `${JSON.stringify(spec, null, 2)}\n`;
  }
  const node = document.createNode({ ...kept, [key]: value });
  const scalar = node.items.find((item) => isScalar(item.key) && item.key.value === key)?.value;
  if (isScalar(scalar)) scalar.type = "QUOTE_DOUBLE";
  if (!isMap(document.getIn(["images"], true))) document.setIn(["images"], document.createNode({}));
  document.setIn(["images", component], node);
  return document.toString({ lineWidth: 0 });
}
