import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/*
 * The files behind every cache (renders, validations, plan digests, serialised documents): one JSON entry per key, under the first two
 * hex digits of the key.
 *
 * - A reader never sees half an entry: an entry is written to a temp file and renamed into place,
 *   so a concurrent run reads the old entry, the new one, or none.
 * - A damaged entry is a miss, never an answer: it must parse, carry this store's format and the
 *   very key it was asked for (a file copied or renamed under another key is refused), else it is
 *   treated as missing and replaced by the next write.
 * - The store stays bounded: entries unused for `maxAgeMs` are removed, then the least recently
 *   used ones until the store holds at most `maxBytes`. A hit marks its entry used (its
 *   modification time, at most once a day per entry), so an entry every run hits is never the one
 *   evicted. The sweep runs at the end of a run that wrote entries, at most once an hour per store
 *   (a marker file's time), so an unchanged run never walks the store. Removing an entry another
 *   run is reading is harmless: an open file stays readable, a vanished one is a miss.
 */

/** Bounds of one store. */
export interface StoreBounds {
  /** Total size of the entries kept after a sweep. */
  readonly maxBytes: number;
  /** Entries not used for this long are removed. */
  readonly maxAgeMs: number;
}

/** One directory of keyed JSON entries. */
export interface EntryStore {
  readonly dir: string;
  /** The payload stored under `key`, or `undefined` when missing, damaged, or stored under another key. */
  read(key: string): unknown;
  /** Stores `payload` under `key` (atomically); failures only cost speed. */
  write(key: string, payload: unknown): Promise<void>;
  /** Removes what exceeds the bounds, when the last sweep is over an hour old or `force`. */
  sweep(force?: boolean): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const SWEEP_MARKER = ".last-sweep";
/** A temp file this old belongs to a run that died before its rename. */
const ORPHAN_TEMP_MS = 60 * 60 * 1000;

/** A store of entries in `dir`, tagged with `format` (bump it when the payload's meaning changes). */
export function openEntryStore(dir: string, format: string, bounds: StoreBounds): EntryStore {
  const fileOf = (key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);
  let wrote = false;
  const madeShards = new Set<string>();
  return {
    dir,
    read(key) {
      if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
      const file = fileOf(key);
      let text: string;
      try {
        // Synchronous: an entry is one small read, and a run reads hundreds of them back to back
        // (the thread pool's four threads and a promise per step cost more than the read).
        text = readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
      let entry: { format?: unknown; key?: unknown; payload?: unknown };
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        return undefined;
      }
      if (typeof entry !== "object" || entry === null || entry.format !== format || entry.key !== key || !("payload" in entry)) return undefined;
      touch(file);
      return entry.payload;
    },
    async write(key, payload) {
      if (!/^[0-9a-f]{64}$/.test(key)) return;
      const file = fileOf(key);
      const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      // Synchronous, as reads are: a run writes thousands of small entries (a first generate of
      // 500 environments: 2,223 documents, 500 renders, 500 validations), and asynchronously each
      // was five thread-pool round trips. Each shard directory is made once per run.
      try {
        const shard = path.dirname(file);
        if (!madeShards.has(shard)) {
          mkdirSync(shard, { recursive: true, mode: 0o700 });
          madeShards.add(shard);
        }
        // Readable by the owner only: a dev overlay's render holds its Secret's (local, random) values.
        writeFileSync(temp, JSON.stringify({ format, key, payload }), { mode: 0o600 });
        renameSync(temp, file);
        wrote = true;
      } catch {
        // A cache that cannot be written (read-only home, full disk) only costs speed.
        try {
          rmSync(temp, { force: true });
        } catch {
          // nothing was written, or nothing can be removed there
        }
      }
    },
    async sweep(force = false) {
      if (!wrote && !force) return;
      try {
        sweepStore(dir, bounds, force);
      } catch {
        // A store that cannot be swept (removed meanwhile, unreadable) is swept by a later run.
      }
    },
  };
}

/** Marks an entry used; at most once a day, so a run of hits is not a run of writes. */
function touch(file: string): void {
  try {
    const now = Date.now();
    if (now - statSync(file).mtimeMs > DAY_MS) utimesSync(file, new Date(now), new Date(now));
  } catch {
    // removed by a sweep meanwhile, or not ours to touch: still a valid read
  }
}

/** Applies the bounds to the store in `dir` (see the notes at the top). */
export function sweepStore(dir: string, bounds: StoreBounds, force = false, now = Date.now()): void {
  const marker = path.join(dir, SWEEP_MARKER);
  const last = statSync(marker, { throwIfNoEntry: false });
  if (!force && last !== undefined && now - last.mtimeMs < SWEEP_INTERVAL_MS) return;
  writeFileSync(marker, "", { mode: 0o600 });
  const entries: Array<{ file: string; size: number; used: number }> = [];
  for (const shard of readdirSync(dir, { withFileTypes: true })) {
    if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) continue;
    const shardDir = path.join(dir, shard.name);
    for (const name of readdirSync(shardDir)) {
      const file = path.join(shardDir, name);
      const info = statSync(file, { throwIfNoEntry: false });
      if (info === undefined || !info.isFile()) continue;
      if (name.endsWith(".tmp")) {
        if (now - info.mtimeMs > ORPHAN_TEMP_MS) rmSync(file, { force: true });
        continue;
      }
      entries.push({ file, size: info.size, used: info.mtimeMs });
    }
  }
  // Most recently used first: kept while they fit.
  entries.sort((a, b) => b.used - a.used);
  let total = 0;
  for (const entry of entries) {
    total += entry.size;
    if (now - entry.used > bounds.maxAgeMs || total > bounds.maxBytes) rmSync(entry.file, { force: true });
  }
}

/**
 * The store `name` in the cache directory that generate's `cache` option names: `false` for none,
 * a directory, or (`true`, undefined) the default cache directory.
 */
export function cacheStoreOf(cache: boolean | string | undefined, name: string, format: string, bounds: StoreBounds): EntryStore | false {
  if (cache === false) return false;
  return openEntryStore(path.join(typeof cache === "string" ? path.resolve(cache) : defaultCacheDir(), name), format, bounds);
}

/**
 * Where caches live by default: `$XDG_CACHE_HOME/argusai-kustomize` when that is set,
 * else `node_modules/.cache/argusai-kustomize` of the nearest `node_modules` above `from`, else
 * `~/.cache/argusai-kustomize`.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env, from: string = process.cwd()): string {
  const xdg = env["XDG_CACHE_HOME"];
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, "argusai-kustomize");
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "node_modules"))) return path.join(dir, "node_modules", ".cache", "argusai-kustomize");
    if (path.dirname(dir) === dir) break;
  }
  return path.join(homedir(), ".cache", "argusai-kustomize");
}

/**
 * True when JSON gives `value` back exactly: plain objects and arrays of strings, booleans, null
 * and finite numbers other than -0 (YAML's .nan, .inf and -0 have no JSON form), and no own
 * `__proto__` key (JSON.parse would make it a plain key, an assignment would not).
 */
export function isJsonExact(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) return value.every(isJsonExact);
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.hasOwn(value, "__proto__")) return false;
  for (const key in value) if (!isJsonExact((value as Record<string, unknown>)[key])) return false;
  return true;
}
