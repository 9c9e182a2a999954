import { createHash } from "node:crypto";
import path from "node:path";
import { cacheStoreOf, isJsonExact, type EntryStore, type StoreBounds } from "../cache-store.js";
import { codeVersion } from "../code-version.js";

/*
 * Environment files are parsed at most once per text and code: parsing YAML with the positions an
 * error message needs (the yaml library's documents) was the largest cost of planning an
 * unchanged tree of 500 environments (about 0.3 s of 1.5). What a file parses to is a function of
 * its exact text and of the code (the parser, its options, the checks around it: code-version.ts),
 * so the text's digest keys it. Only a text that parsed without an error is remembered, and only
 * when JSON gives its value back exactly; a remembered file whose spec then fails validation is
 * parsed again for the lines of its fields (environment-file.ts), so every message is the one a
 * first parse gives.
 *
 * One entry per tree (`<cache>/environment-files/`), holding the files of its last run: a changed
 * file is parsed again, the other 499 are looked up.
 */

const FORMAT = "argusai-kustomize environment files 1";

/** An environment is a few hundred bytes as JSON: 32 MiB is many trees of 500; nothing unused for 30 days. */
export const PARSED_FILES_BOUNDS: StoreBounds = { maxBytes: 32 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** What environment files' texts parsed to, remembered. */
export interface ParsedFiles {
  /** A fresh copy of what `text` parsed to in an earlier run, or `undefined`. */
  get(text: string): unknown;
  /** Remembers what `text` parsed to (when JSON gives it back exactly). */
  remember(text: string, spec: unknown): void;
  /** Stores this run's files, when they differ from what was loaded. */
  save(): Promise<void>;
}

/** The parsed files of the tree in `treeDir`: `cache` as generate's option (`false` for none, a directory, or the default cache directory). */
export function openParsedFiles(treeDir: string, cache: boolean | string | undefined = true): ParsedFiles {
  return parsedFiles(cacheStoreOf(cache, "environment-files", FORMAT, PARSED_FILES_BOUNDS), path.resolve(treeDir));
}

/** Parsed files over `store` (`false`: remember nothing). */
export function parsedFiles(store: EntryStore | false, treeDir: string): ParsedFiles {
  if (store === false) return { get: () => undefined, remember: () => undefined, save: async () => undefined };
  // Read when the first file is: a run of built-ins or a script's environments reads none, and
  // pays neither the code version nor the entry.
  let key: string | undefined;
  let loaded: Map<string, unknown> | undefined;
  const load = (): Map<string, unknown> => {
    if (loaded !== undefined) return loaded;
    key = createHash("sha256").update(`${FORMAT}\0${codeVersion()}\0${treeDir}`).digest("hex");
    loaded = new Map();
    const payload = store.read(key);
    if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
      for (const [digest, spec] of Object.entries(payload)) loaded.set(digest, spec);
    }
    return loaded;
  };
  const used = new Map<string, unknown>();
  let learnt = false;
  const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");
  return {
    get(text) {
      const digest = digestOf(text);
      const remembered = load();
      if (!remembered.has(digest)) return undefined;
      const spec = remembered.get(digest);
      used.set(digest, spec);
      return structuredClone(spec);
    },
    remember(text, spec) {
      if (!isJsonExact(spec)) return;
      load();
      used.set(digestOf(text), structuredClone(spec));
      learnt = true;
    },
    async save() {
      // A run that read no file (a script's own environments, built-ins only) leaves the entry as it is.
      if (key === undefined || used.size === 0 || (!learnt && used.size === loaded?.size)) return;
      await store.write(key, Object.fromEntries(used));
      await store.sweep();
    },
  };
}
