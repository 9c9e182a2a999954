import { isDeepStrictEqual } from "node:util";

/*
 * What one environment changes from another, on rendered objects. Pure: the caller renders.
 * Objects are matched by kind and name; the namespace is ignored (every environment has its own)
 * and so is the content-hash suffix kustomize gives generated ConfigMaps and Secrets (it differs
 * whenever their data does, which the data diff already shows), also where other objects refer
 * to them.
 */

/** A rendered object, as parsed from kustomize's output. */
export type RenderedObject = Readonly<Record<string, unknown>>;

/** One field that differs. `from` / `to` are absent when the field is absent on that side. */
export interface FieldChange {
  readonly kind: string;
  readonly name: string;
  /** Dotted path; list items of named objects (containers, env, ports) by `[name]`, others by index. */
  readonly field: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

/** An object only one side has. */
export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
}

/** What B changes from A. */
export interface ObjectsDiff {
  readonly changed: readonly FieldChange[];
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
}

const HASH_SUFFIX = /-[a-z0-9]{10}$/;
const GENERATED_KINDS = new Set(["ConfigMap", "Secret"]);

/**
 * Compares two rendered overlays.
 *
 * @example
 * diffObjects(rendered("staging").objects, rendered("prod").objects).changed
 * // [{ kind: "Deployment", name: "argusai-frontend", field: "spec.replicas", from: 1, to: 2 }, ...]
 */
export function diffObjects(from: readonly RenderedObject[], to: readonly RenderedObject[]): ObjectsDiff {
  const a = indexed(from);
  const b = indexed(to);
  const changed: FieldChange[] = [];
  for (const [key, objectA] of a) {
    const objectB = b.get(key);
    if (objectB === undefined) continue;
    const [kind, name] = splitKey(key);
    for (const change of diffValues(objectA, objectB, [])) changed.push({ kind, name, ...change });
  }
  const only = (left: Map<string, unknown>, right: Map<string, unknown>) =>
    [...left.keys()]
      .filter((key) => !right.has(key))
      .map((key) => {
        const [kind, name] = splitKey(key);
        return { kind, name };
      });
  return { changed, added: only(b, a), removed: only(a, b) };
}

/** `Kind/name field: a → b`, one line per change; `+ Kind/name` and `- Kind/name` for whole objects. */
export function formatObjectsDiff(diff: ObjectsDiff): string[] {
  const show = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));
  return [
    ...diff.changed.map((change) => `${change.kind}/${change.name} ${change.field}: ${show(change.from)} → ${show(change.to)}`),
    ...diff.added.map((object) => `+ ${object.kind}/${object.name}`),
    ...diff.removed.map((object) => `- ${object.kind}/${object.name}`),
  ];
}

/** Objects by `Kind/name`, normalized: no namespace, generated names without their hash. */
function indexed(objects: readonly RenderedObject[]): Map<string, unknown> {
  const renames = new Map<string, string>();
  for (const object of objects) {
    const name = nameOf(object);
    if (GENERATED_KINDS.has(String(object["kind"])) && HASH_SUFFIX.test(name)) renames.set(name, name.replace(HASH_SUFFIX, ""));
  }
  const result = new Map<string, unknown>();
  for (const object of objects) {
    const normalized = normalize(object, renames) as Record<string, unknown>;
    const metadata = normalized["metadata"] as Record<string, unknown> | undefined;
    if (metadata !== undefined) delete metadata["namespace"];
    result.set(`${String(object["kind"])}/${String(metadata?.["name"] ?? "")}`, normalized);
  }
  return result;
}

/** A deep copy with every string that is a generated object's hashed name replaced by its plain name. */
function normalize(value: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") return renames.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => normalize(item, renames));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item, renames)]));
  }
  return value;
}

function nameOf(object: RenderedObject): string {
  return String((object["metadata"] as { name?: unknown } | undefined)?.name ?? "");
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}

type Change = { field: string; from?: unknown; to?: unknown };

function diffValues(a: unknown, b: unknown, pathSoFar: string[]): Change[] {
  if (isDeepStrictEqual(a, b)) return [];
  const field = pathSoFar.join(".").replaceAll(".[", "[");
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => diffValues(a[key], b[key], [...pathSoFar, key]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    // Lists of named items (containers, env, ports, volumes) are compared by name, so one added
    // env var is one change, not a shift of every later index.
    const named = (list: unknown[]) =>
      list.every((item) => isRecord(item) && typeof item["name"] === "string") &&
      new Set(list.map((item) => (item as { name: string }).name)).size === list.length;
    if (named(a) && named(b)) {
      const byName = (list: unknown[]) => new Map(list.map((item) => [(item as { name: string }).name, item]));
      const mapA = byName(a);
      const mapB = byName(b);
      const names = [...new Set([...mapA.keys(), ...mapB.keys()])];
      return names.flatMap((name) => diffValues(mapA.get(name), mapB.get(name), [...pathSoFar, `[${name}]`]));
    }
    if (a.length === b.length) return a.flatMap((item, index) => diffValues(item, b[index], [...pathSoFar, `[${index}]`]));
  }
  return [{ field: field || "(object)", ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
