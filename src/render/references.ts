import { createHash } from "node:crypto";
import { parseDocument } from "yaml";
import type { EntryStore, StoreBounds } from "../cache-store.js";
import { codeVersion } from "../code-version.js";

/*
 * What a kustomization references, for the render cache's key: the entries of its fields that
 * may name another directory or file. Parsing 500 overlays' kustomizations was a fifth of the
 * time of computing their keys; what they reference is a function of their bytes (and of the
 * YAML parser: the code version), so it is remembered by their digest, in one entry holding the
 * kustomizations of the last run.
 */

/** Fields of a kustomization whose entries may name another kustomization directory. */
const REFERENCE_FIELDS = ["resources", "components", "bases", "generators", "transformers", "validators"];

/** Fields that make kustomize fetch from the network: never cached. */
const NETWORK_FIELDS = ["helmCharts", "helmChartInflationGenerator", "helmGlobals"];

export const REFERENCES_FORMAT = "argusai-kustomize kustomization references 1";

/** A few hundred bytes per kustomization: 16 MiB; nothing unused for 30 days. */
export const REFERENCES_BOUNDS: StoreBounds = { maxBytes: 16 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** The references of kustomizations, remembered in `store` (`false`: parsed every time). */
export function kustomizationReferences(store: EntryStore | false): {
  of(kustomization: Buffer): readonly string[] | null;
  remember(): Promise<void>;
} {
  const key = store === false ? undefined : createHash("sha256").update(`${REFERENCES_FORMAT}\0${codeVersion()}`).digest("hex");
  let loaded: Map<string, readonly string[] | null> | undefined;
  const used = new Map<string, readonly string[] | null>();
  let missed = false;
  const load = (): Map<string, readonly string[] | null> => {
    const found = new Map<string, readonly string[] | null>();
    const payload = store !== false && key !== undefined ? store.read(key) : undefined;
    if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
      for (const [digest, entries] of Object.entries(payload)) {
        if (entries === null || (Array.isArray(entries) && entries.every((entry) => typeof entry === "string"))) found.set(digest, entries as readonly string[] | null);
      }
    }
    return found;
  };
  return {
    of(kustomization) {
      const digest = createHash("sha256").update(kustomization).digest("hex");
      if (used.has(digest)) return used.get(digest)!;
      loaded ??= load();
      let entries: readonly string[] | null;
      if (loaded.has(digest)) {
        entries = loaded.get(digest)!;
      } else {
        entries = parseReferences(kustomization);
        missed = true;
      }
      used.set(digest, entries);
      return entries;
    },
    async remember() {
      if (store === false || key === undefined || (!missed && used.size === (loaded?.size ?? 0))) return;
      await store.write(key, Object.fromEntries(used));
    },
  };
}

/**
 * The string entries of a kustomization's reference fields, in field order; `null` when it
 * cannot be cached (not YAML, a field that is not a list, a field that fetches from the network).
 */
export function parseReferences(kustomization: Buffer): readonly string[] | null {
  let fields: Record<string, unknown>;
  try {
    fields = (parseDocument(kustomization.toString("utf8")).toJS() as Record<string, unknown> | null) ?? {};
  } catch {
    return null;
  }
  if (typeof fields !== "object" || Array.isArray(fields)) return null;
  if (NETWORK_FIELDS.some((field) => fields[field] !== undefined)) return null;
  const references: string[] = [];
  for (const field of REFERENCE_FIELDS) {
    const entries = fields[field];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) return null;
    // Inline generator/transformer configs are objects: their bytes are in the file already.
    for (const entry of entries) if (typeof entry === "string") references.push(entry);
  }
  return references;
}
