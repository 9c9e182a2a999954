import { createHash } from "node:crypto";
import type { EntryStore, StoreBounds } from "../cache-store.js";
import { codeVersion } from "../code-version.js";
import { yamlDocuments } from "../yaml-documents.js";

/*
 * What the render cache and the batch renderer need of a kustomization: the entries of its fields
 * that may name another directory or file (for the cache key) and its `namespace:` (to attribute
 * a group's output). Parsing 500 overlays' kustomizations, twice, was a fifth of the time of
 * computing their keys; both facts are a function of the bytes (and of the YAML parser: the code
 * version), so they are remembered by the bytes' digest, in one entry holding the kustomizations
 * of the last run.
 */

/** Fields of a kustomization whose entries may name another kustomization directory. */
const REFERENCE_FIELDS = ["resources", "components", "bases", "generators", "transformers", "validators"];

/** Fields that make kustomize fetch from the network: never cached. */
const NETWORK_FIELDS = ["helmCharts", "helmChartInflationGenerator", "helmGlobals"];

export const REFERENCES_FORMAT = "argusai-kustomize kustomization facts 2";

/** A few hundred bytes per kustomization: 16 MiB; nothing unused for 30 days. */
export const REFERENCES_BOUNDS: StoreBounds = { maxBytes: 16 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** What is known of one kustomization. */
export interface KustomizationFacts {
  /** The string entries of its reference fields, in field order; `null` when it cannot be cached. */
  readonly references: readonly string[] | null;
  /** Its `namespace:`, when it sets a non-empty one. */
  readonly namespace: string | undefined;
}

/** The facts of kustomizations, remembered in `store` (`false`: parsed every time, once per run). */
export function kustomizationFacts(store: EntryStore | false): {
  of(kustomization: Uint8Array): KustomizationFacts;
  remember(): Promise<void>;
} {
  const key = store === false ? undefined : createHash("sha256").update(`${REFERENCES_FORMAT}\0${codeVersion()}`).digest("hex");
  let loaded: Map<string, KustomizationFacts> | undefined;
  const used = new Map<string, KustomizationFacts>();
  let missed = false;
  const load = (): Map<string, KustomizationFacts> => {
    const found = new Map<string, KustomizationFacts>();
    const payload = store !== false && key !== undefined ? store.read(key) : undefined;
    if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
      for (const [digest, value] of Object.entries(payload)) {
        const facts = asFacts(value);
        if (facts !== undefined) found.set(digest, facts);
      }
    }
    return found;
  };
  return {
    of(kustomization) {
      const digest = createHash("sha256").update(kustomization).digest("hex");
      let facts = used.get(digest);
      if (facts !== undefined) return facts;
      loaded ??= load();
      facts = loaded.get(digest);
      if (facts === undefined) {
        facts = parseFacts(kustomization);
        missed = true;
      }
      used.set(digest, facts);
      return facts;
    },
    async remember() {
      if (store === false || key === undefined || (!missed && used.size === (loaded?.size ?? 0))) return;
      await store.write(
        key,
        Object.fromEntries(
          [...used].map(([digest, facts]) => [
            digest,
            { references: facts.references, ...(facts.namespace !== undefined ? { namespace: facts.namespace } : {}) },
          ]),
        ),
      );
    },
  };
}

function asFacts(value: unknown): KustomizationFacts | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { references, namespace } = value as { references?: unknown; namespace?: unknown };
  const validReferences = references === null || (Array.isArray(references) && references.every((entry) => typeof entry === "string"));
  if (!validReferences || (namespace !== undefined && (typeof namespace !== "string" || namespace === ""))) return undefined;
  return { references: references as readonly string[] | null, namespace: namespace as string | undefined };
}

/** The facts of a kustomization from its bytes (see {@link KustomizationFacts}). */
export function parseFacts(kustomization: Uint8Array): KustomizationFacts {
  const documents = yamlDocuments(new TextDecoder().decode(kustomization));
  if (documents === undefined) return { references: null, namespace: undefined };
  const fields: unknown = documents[0] ?? {};
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return { references: null, namespace: undefined };
  const record = fields as Record<string, unknown>;
  const namespace = typeof record["namespace"] === "string" && record["namespace"] !== "" ? record["namespace"] : undefined;
  if (NETWORK_FIELDS.some((field) => record[field] !== undefined)) return { references: null, namespace };
  const references: string[] = [];
  for (const field of REFERENCE_FIELDS) {
    const entries = record[field];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) return { references: null, namespace };
    // Inline generator/transformer configs are objects: their bytes are in the file already.
    for (const entry of entries) if (typeof entry === "string") references.push(entry);
  }
  return { references, namespace };
}
