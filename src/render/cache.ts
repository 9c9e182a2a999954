import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { execFile } from "node:child_process";
import { open, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Rendered, Renderer } from "./kustomize.js";
import { DISK, type FileView } from "./file-view.js";
import { kustomizationFacts, REFERENCES_BOUNDS, REFERENCES_FORMAT } from "./references.js";
import { defaultCacheDir, isJsonExact, openEntryStore, type EntryStore, type StoreBounds } from "../cache-store.js";
import { KUSTOMIZATION_FILE_NAMES } from "../kubernetes/names.js";

export { defaultCacheDir, isJsonExact };

/*
 * Verified once, trusted after: what kustomize printed for an overlay, keyed by every byte it
 * can read and by the renderer. With kustomize's default load restrictor a kustomization reads
 * files only inside its own directory, and leaves it only through `resources`, `components` (and
 * the other kustomization-valued fields) naming another directory. So the key hashes every file
 * under the overlay's directory, and, following those references, under every directory it
 * reaches (the base). A reference that is remote or does not exist makes the overlay
 * uncacheable. The renderer counts by its real path, size and content (a sha256 of its file).
 *
 * Entries live outside the tree, are written to a temp file and renamed into place (a
 * concurrent run reads the old entry or the new one, never half of one), and are readable by the
 * owner only: a dev overlay's render holds its Secret's (random, local) values.
 */

/** A directory of remembered renders. */
export interface RenderCache {
  readonly dir: string;
  /** The render stored under `key`, or `undefined` (missing, damaged, or another key's: treated as missing). */
  get(key: string): Promise<Rendered | undefined>;
  /** Stores a clean render (no warnings) under `key`. */
  set(key: string, rendered: Rendered): Promise<void>;
  /** Keeps the cache and its companions within their bounds (see {@link RENDER_CACHE_BOUNDS}); cheap when nothing was stored. */
  sweep(): Promise<void>;
  /**
   * A store kept beside the renders (in `dir/name`), swept with them: later stages remember what
   * they concluded from a render (the validation cache) without a cache directory of their own.
   */
  companion(name: string, format: string, bounds: StoreBounds): EntryStore;
}

/** Bumped whenever an entry's format or the key's meaning changes. */
const FORMAT = "argusai-kustomize render cache 2";

/**
 * How much the render cache keeps: 256 MiB (a render of an overlay is 10-40 KiB, so about
 * fifteen full generations of 500 environments), and nothing unused for 30 days.
 */
export const RENDER_CACHE_BOUNDS: StoreBounds = { maxBytes: 256 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/**
 * A render cache in `dir` (created on first write).
 *
 * @example
 * const cache = openRenderCache(defaultCacheDir());
 */
export function openRenderCache(dir: string = defaultCacheDir(), bounds: StoreBounds = RENDER_CACHE_BOUNDS): RenderCache {
  const store = openEntryStore(dir, FORMAT, bounds);
  const companions = new Map<string, EntryStore>();
  return {
    dir,
    async get(key) {
      const entry = store.read(key) as { yaml?: unknown; objects?: unknown } | undefined;
      if (typeof entry !== "object" || entry === null || typeof entry.yaml !== "string" || !Array.isArray(entry.objects)) return undefined;
      return { yaml: entry.yaml, objects: entry.objects as Array<Record<string, unknown>>, warnings: [] };
    },
    async set(key, rendered) {
      // Objects are stored as JSON (parsing YAML costs about 4 ms per overlay; JSON a tenth of
      // that), but only when JSON gives back exactly what the YAML parser gave.
      if (rendered.warnings.length > 0 || !rendered.objects.every(isJsonExact)) return;
      await store.write(key, { yaml: rendered.yaml, objects: rendered.objects });
    },
    async sweep() {
      await store.sweep();
      for (const companion of companions.values()) await companion.sweep();
    },
    companion(name, format, companionBounds) {
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not a companion store name: ${name}`);
      let companion = companions.get(name);
      if (companion === undefined) {
        companion = openEntryStore(path.join(dir, name), format, companionBounds);
        companions.set(name, companion);
      }
      return companion;
    },
  };
}

/** Computes the render cache key of an overlay directory; `undefined` when it cannot be cached. */
export interface RenderKeyer {
  (overlayDir: string): Promise<string | undefined>;
  /** Stores what was learnt of kustomizations (their references) for the next run; cheap when nothing new. */
  remember(): Promise<void>;
  /** What this keyer knows of kustomizations (shared with the batch renderer, which needs their namespaces). */
  readonly facts: ReturnType<typeof kustomizationFacts>;
}

/**
 * Computes cache keys for one run: directories shared by many overlays (the base) are hashed
 * once, so the keyer must not outlive the run (files may change between runs). With `cache`,
 * what each kustomization references is remembered across runs by its bytes (references.ts).
 * `files` is how the files are read (file-view.ts: a tree this run staged is known without reading).
 */
export function renderKeyer(renderer: Renderer, cache?: RenderCache, files: FileView = DISK): RenderKeyer {
  const digests = new Map<string, Promise<string | undefined>>();
  const rendererId = rendererIdentity(renderer, cache !== undefined ? cache.companion("renderers", RENDERERS_FORMAT, RENDERERS_BOUNDS) : false);
  const facts = kustomizationFacts(cache !== undefined ? cache.companion("kustomizations", REFERENCES_FORMAT, REFERENCES_BOUNDS) : false);
  const digestOf = (dir: string, visiting: ReadonlySet<string>): Promise<string | undefined> => {
    const run = async (): Promise<string | undefined> => {
      const real = await files.realpath(dir);
      if (real === undefined) return undefined;
      if (visiting.has(real)) return undefined;
      let digest = digests.get(real);
      if (digest === undefined) {
        // Unreadable files or links that lead nowhere: kustomize will say what is wrong; don't cache.
        digest = directoryDigest(
          real,
          files,
          (kustomization) => facts.of(kustomization).references,
          (child) => digestOf(child, new Set([...visiting, real])),
        ).catch(() => undefined);
        digests.set(real, digest);
      }
      return digest;
    };
    return run();
  };
  const keyOf = async (overlayDir: string) => {
    const [id, digest] = await Promise.all([rendererId, digestOf(overlayDir, new Set())]);
    if (id === undefined || digest === undefined) return undefined;
    return createHash("sha256").update(`${FORMAT}\0${id}\0${digest}`).digest("hex");
  };
  return Object.assign(keyOf, { remember: facts.remember, facts });
}

async function rendererIdentity(renderer: Renderer, digests: EntryStore | false): Promise<string | undefined> {
  try {
    const real = await realpath(renderer.binary);
    const info = await stat(real);
    // A script (an asdf, mise or snap shim, a wrapper) runs some other kubectl that its file does
    // not show: for those the version it reports is part of the key (one process per run).
    const handle = await open(real, "r");
    const head = await handle
      .read(Buffer.alloc(2), 0, 2, 0)
      .then(({ buffer }) => buffer.toString("latin1"))
      .finally(() => handle.close());
    const version = head === "#!" ? await reportedVersion(renderer) : "";
    return JSON.stringify([real, info.size, await contentDigest(real, info, digests), renderer.args, version]);
  } catch {
    return undefined;
  }
}

/** Bumped whenever the renderers store's entries or keys change meaning. */
const RENDERERS_FORMAT = "argusai-kustomize renderer digests 1";
/** One small entry per renderer file seen: 1 MiB is thousands; nothing unused for 30 days. */
const RENDERERS_BOUNDS: StoreBounds = { maxBytes: 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/**
 * The sha256 of the renderer's file. The renderer counts by its content, not by its inode or
 * times, so a CI job that installs the same kustomize into a new container every run (a new
 * inode each time) finds the renders of the last run; hashing a 57 MB kubectl takes 0.07 s here,
 * so the digest is remembered by the file's path, size, inode and change times (a file replaced
 * or changed in place gets a new change time, which no tool sets back).
 */
async function contentDigest(real: string, info: import("node:fs").Stats, digests: EntryStore | false): Promise<string> {
  const key = createHash("sha256").update(`${RENDERERS_FORMAT}\0${real}\0${info.size}\0${info.ino}\0${info.mtimeMs}\0${info.ctimeMs}`).digest("hex");
  const remembered = digests !== false ? digests.read(key) : undefined;
  if (typeof remembered === "string" && /^[0-9a-f]{64}$/.test(remembered)) return remembered;
  const hash = createHash("sha256");
  // In 1 MiB reads: the stream's default 64 KiB took 0.17 to 0.31 s for a 57 MB kubectl, 1 MiB 0.07 s (measured).
  for await (const chunk of createReadStream(real, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  const digest = hash.digest("hex");
  if (digests !== false) await digests.write(key, digest);
  return digest;
}

/** What the renderer says its version is (`kubectl version --client -o json` / `kustomize version`). */
function reportedVersion(renderer: Renderer): Promise<string> {
  const args = renderer.args[0] === "kustomize" ? ["version", "--client", "-o", "json"] : ["version"];
  return new Promise((resolve, reject) => {
    execFile(renderer.binary, args, { encoding: "utf8", timeout: 30_000 }, (error, stdout) => (error === null ? resolve(stdout) : reject(error)));
  });
}

/** Every file under `dir` and every directory its kustomization reaches, hashed; `undefined` when uncacheable. */
async function directoryDigest(
  dir: string,
  view: FileView,
  referencesOf: (kustomization: Uint8Array) => readonly string[] | null,
  referenced: (dir: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  const files = view.listFiles(dir);
  const hash = createHash("sha256");
  // Synchronous reads: thousands of small files, before any renderer starts; the thread pool's
  // round trips (open, stat, read, close, each a promise) cost several times the reads.
  const contents = files.map((file) => view.read(path.join(dir, file)));
  let kustomization: Uint8Array | undefined;
  for (const [index, file] of files.entries()) {
    const bytes = contents[index]!;
    hash.update(`file ${file} ${bytes.length}\0`).update(bytes);
    if (KUSTOMIZATION_FILE_NAMES.includes(file) && kustomization === undefined) kustomization = bytes;
  }
  if (kustomization === undefined) return hash.digest("hex");
  const entries = referencesOf(kustomization);
  if (entries === null) return undefined;
  for (const entry of entries) {
    if (/^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\/|\?ref=|\/\/.+/i.test(entry)) return undefined;
    const target = path.resolve(dir, entry);
    const kind = view.kind(target);
    if (kind === undefined) return undefined;
    if (kind === "directory") {
      const digest = await referenced(target);
      if (digest === undefined) return undefined;
      hash.update(`dir ${entry}\0${digest}\0`);
    } else if (path.relative(dir, target).startsWith("..")) {
      hash.update(`outside ${entry}\0`).update(view.read(target));
    }
  }
  return hash.digest("hex");
}
