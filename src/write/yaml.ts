import { stringify } from "yaml";

/** Keys that lead a Kubernetes object or kustomization, in this order; the rest keep model order. */
const LEADING_KEYS = ["apiVersion", "kind", "metadata"];
/** Keys that lead `metadata`. */
const LEADING_METADATA_KEYS = ["name", "namespace", "labels", "annotations"];

/**
 * Deterministic YAML for one or more documents: apiVersion, kind and metadata first, every other
 * key in the order the model builds it, no line folding, LF endings and a trailing newline.
 * YAML 1.1 quoting, so `yes`/`on`/`off` stay strings for YAML 1.1 readers (kubectl's go-yaml v2
 * paths among them).
 *
 * @example
 * toYaml([{ kind: "Service", apiVersion: "v1" }]); // "apiVersion: v1\nkind: Service\n"
 */
export function toYaml(documents: readonly unknown[]): string {
  return documents
    .map((document) => stringify(canonical(document, LEADING_KEYS), { lineWidth: 0, version: "1.1", indentSeq: true, aliasDuplicateObjects: false }))
    .join("---\n");
}

/** Drops undefined keys and puts `leading` keys first, recursively (leading only at the top and in metadata). */
function canonical(value: unknown, leading: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, []));
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined);
  const ordered = [...leading.filter((key) => keys.includes(key)), ...keys.filter((key) => !leading.includes(key))];
  return Object.fromEntries(ordered.map((key) => [key, canonical(record[key], leading === LEADING_KEYS && key === "metadata" ? LEADING_METADATA_KEYS : [])]));
}
