import { availableParallelism } from "node:os";

/*
 * Bounded concurrency for everything that starts processes or opens files. A `Promise.all` over
 * 500 overlays started 500 kubectl processes at once (about 50 alive on 2 cores, each finished one
 * reaped only after the last had started) and opened thousands of files together.
 */

/** How many renderer processes run at once by default: one per core this process may use. */
export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Maps `items` through `task` with at most `limit` tasks running at a time; results keep the
 * order of `items`. After a task fails no new task starts; the ones running are awaited (their
 * processes reaped, their files closed) and the failure of the earliest item is thrown, so the
 * error does not depend on timing.
 *
 * @example
 * const texts = await mapBounded(files, 32, (file) => readFile(file, "utf8"));
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.size === 0 && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(items[index]!, index);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return results;
}
