import { createHash } from "node:crypto";
import path from "node:path";
import { cacheStoreOf, type EntryStore, type StoreBounds } from "../cache-store.js";
import { codeVersion } from "../code-version.js";
import type { TreePlan } from "../kustomize/compile.js";
import type { RecordedArgoCD, RecordedEnvironment, RecordedSource } from "../tree/record.js";
import { treeContents, type TreeContents } from "./planned-tree.js";
import { toYaml } from "./yaml.js";

/*
 * Each document is turned into YAML at most once per run, and not at all when an earlier run of
 * the same code already did: YAML serialisation was the largest cost of planning 500
 * environments (about 0.4 s), JSON a twentieth of it. A document's YAML is a function of its
 * JSON and of the code (toYaml, the yaml library: code-version.ts), so the JSON's digest keys it.
 * That holds only where JSON says everything toYaml sees: plain objects and arrays of strings,
 * booleans, null and finite numbers (an undefined property is dropped by both); any other
 * document is serialised directly, never looked up.
 *
 * One entry per tree (`<cache>/documents/`), holding the documents of its last plan: a changed
 * environment serialises its own files again, the other 499 are looked up.
 */

const FORMAT = "argusai-kustomize documents 1";

/** A tree's entry is its documents' YAML (about 4 MiB for 500 environments): 128 MiB; nothing unused for 30 days. */
export const DOCUMENT_MEMO_BOUNDS: StoreBounds = { maxBytes: 128 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** YAML of documents, remembered. */
export interface YamlMemo {
  /** `toYaml(documents)`, from memory when possible. */
  yamlOf(documents: readonly unknown[]): string;
  /** Stores what this run serialised, when it differs from what was loaded. */
  save(): Promise<void>;
}

/**
 * The memo of the tree in `treeDir`: `cache` as generate's option (`false` for none, a directory,
 * or the default cache directory).
 */
export function openYamlMemo(treeDir: string, cache: boolean | string | undefined = true): YamlMemo {
  return yamlMemo(cacheStoreOf(cache, "documents", FORMAT, DOCUMENT_MEMO_BOUNDS), path.resolve(treeDir));
}

/** A memo over `store` (`false`: serialise everything, remember nothing). */
export function yamlMemo(store: EntryStore | false, treeDir: string): YamlMemo {
  const key = store === false ? undefined : createHash("sha256").update(`${FORMAT}\0${codeVersion()}\0${treeDir}`).digest("hex");
  const loaded = new Map<string, string>();
  if (store !== false && key !== undefined) {
    const payload = store.read(key);
    if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
      for (const [digest, yaml] of Object.entries(payload)) if (typeof yaml === "string") loaded.set(digest, yaml);
    }
  }
  const used = new Map<string, string>();
  const byJson = new Map<string, string>();
  let missed = false;
  return {
    yamlOf(documents) {
      if (!documents.every(isJsonFaithful)) return toYaml(documents);
      const json = JSON.stringify(documents);
      let yaml = byJson.get(json);
      if (yaml !== undefined) return yaml;
      const digest = createHash("sha256").update(json).digest("hex");
      yaml = loaded.get(digest);
      if (yaml === undefined) {
        yaml = toYaml(documents);
        missed = true;
      }
      byJson.set(json, yaml);
      used.set(digest, yaml);
      return yaml;
    },
    async save() {
      if (store === false || key === undefined || (!missed && used.size === loaded.size)) return;
      await store.write(key, Object.fromEntries(used));
      await store.sweep();
    },
  };
}

/**
 * True when JSON.stringify says all toYaml sees of `value`: plain objects (undefined properties
 * dropped by both) and arrays (no holes, no undefined) of strings, booleans, null and finite
 * numbers other than -0.
 */
function isJsonFaithful(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) if (!(index in value) || !isJsonFaithful(value[index])) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.hasOwn(value, "__proto__") || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined && !isJsonFaithful(child)) return false;
  }
  return true;
}

/**
 * {@link treeContents} of a plan of the tree in `dir`, through the tree's memo (`cache` as
 * generate's option; `false` serialises everything). Byte for byte the same contents either way.
 */
export async function serializeTree(
  dir: string,
  plan: TreePlan,
  environments: readonly RecordedEnvironment[],
  argusRecord: { readonly argocd?: RecordedArgoCD; readonly source?: RecordedSource },
  cache?: boolean | string,
): Promise<TreeContents> {
  const memo = openYamlMemo(dir, cache);
  const contents = treeContents(plan, environments, argusRecord, memo);
  await memo.save();
  return contents;
}
