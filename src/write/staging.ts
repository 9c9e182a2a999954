import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { resolveInside } from "../tree/layout.js";
import { writeNew } from "./files.js";

/*
 * The staging directory is written in the background while generate verifies it: kustomize
 * renders the first overlays while the later ones are still being written (with 500 environments,
 * 2,300 files, about a second of this process's time that the renderers no longer wait for).
 */

/** Which staged files are on disk yet, for a verify that starts before the staging ends. */
export interface Staged {
  /**
   * Resolves once every file of `dir` (one of the `stagingOrder` directories), and every file
   * staged before them, is written (any other directory: once all are); rejects when staging
   * failed before that.
   */
  readonly through: (dir: string) => Promise<void>;
  /** Resolves once every file is written; rejects when staging failed. */
  readonly all: () => Promise<void>;
  /** Every staged file's text by tree-relative path (absent when the tree is verified in place, as it is on disk). */
  readonly files?: ReadonlyMap<string, string>;
}

/** A tree already on disk: nothing to wait for. */
export const ALL_STAGED: Staged = { through: async () => undefined, all: async () => undefined };

/** A file to stage: its tree-relative path, bytes and mode. */
export interface StagedFile {
  readonly file: string;
  readonly text: string;
  readonly mode: number;
}

/** How long staging writes before it lets the event loop run (the renderers' output, a verify's work). */
const STAGING_SLICE_MS = 4;

/**
 * Writes `files` into `staging` in the background: first every file outside the `order`
 * directories (in path order), then each of those directories' files in turn, yielding to the
 * event loop every few milliseconds. The writes themselves are synchronous (see writeNew).
 * `present` are the files already there (its `.gitignore`), so `files` of the result is all it holds.
 */
export function stageInBackground(
  staging: string,
  files: readonly StagedFile[],
  order: readonly string[],
  step: () => void,
  present: ReadonlyMap<string, string> = new Map(),
): Staged & { readonly done: Promise<void>; readonly stop: () => void } {
  const rankOf = new Map(order.map((dir, rank) => [dir, rank]));
  const rank = (file: string): number => {
    for (let slash = file.indexOf("/"); slash !== -1; slash = file.indexOf("/", slash + 1)) {
      const found = rankOf.get(file.slice(0, slash));
      if (found !== undefined) return found;
    }
    return -1;
  };
  const ranked = files.map((entry) => ({ entry, rank: rank(entry.file) })).sort((a, b) => a.rank - b.rank);
  // How many files are written once a directory's are: its last file's position, plus one.
  const through = new Map<string, number>();
  ranked.forEach(({ rank: position }, index) => {
    if (position !== -1) through.set(order[position]!, index + 1);
  });
  const waiters: Array<{ readonly until: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }> = [];
  let written = 0;
  let stopped = false;
  let failure: { readonly error: unknown } | undefined;
  const wake = (): void => {
    for (let index = waiters.length - 1; index >= 0; index -= 1) {
      const waiter = waiters[index]!;
      if (waiter.until <= written) waiter.resolve();
      else if (failure !== undefined) waiter.reject(failure.error);
      else continue;
      waiters.splice(index, 1);
    }
  };
  const done = (async () => {
    const made = new Set<string>([staging]);
    let slice = performance.now();
    for (const { entry } of ranked) {
      if (stopped) return;
      writeNew(resolveInside(staging, entry.file), entry.text, entry.mode, made);
      step();
      written += 1;
      if (performance.now() - slice >= STAGING_SLICE_MS) {
        wake();
        await yieldToEventLoop();
        slice = performance.now();
      }
    }
    wake();
  })();
  done.catch((error: unknown) => {
    failure = { error };
    wake();
  });
  const until = (count: number): Promise<void> => {
    if (written >= count) return Promise.resolve();
    if (failure !== undefined) return Promise.reject(failure.error);
    return new Promise((resolve, reject) => waiters.push({ until: count, resolve, reject }));
  };
  return {
    through: (dir) => until(through.get(dir) ?? ranked.length),
    all: () => until(ranked.length),
    files: new Map([...present, ...files.map((entry): [string, string] => [entry.file, entry.text])]),
    done,
    // Whoever still waits is told: nothing more will be written.
    stop: () => {
      stopped = true;
      failure ??= { error: new Error("staging was stopped") };
      wake();
    },
  };
}
