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

/**
 * Runs `produce` over `items`, at most `limit` at a time and at most `2 × limit` results ahead of
 * the consumer, and hands each result to `consume` in the order of `items`, one at a time. The
 * producers go on while a result is consumed: a renderer process runs while the main thread
 * parses and validates the previous one's output, instead of waiting for it (with two cores,
 * render-then-consume per worker left a core idle half the time).
 *
 * The first failure in the order of `items` (of its `produce` or its `consume`) is thrown, once
 * every `produce` already started has ended; none starts after it. So the error does not depend
 * on timing.
 *
 * @example
 * await pipeInOrder(groups, 2, (group) => runRenderer(group), async (output, group) => store(group, parse(output)));
 */
export async function pipeInOrder<T, P>(
  items: readonly T[],
  limit: number,
  produce: (item: T, index: number) => Promise<P>,
  consume: (produced: P, item: T, index: number) => Promise<void>,
): Promise<void> {
  const width = Math.max(1, limit);
  const slots = items.map(() => {
    const slot = {} as { promise: Promise<P>; resolve: (value: P) => void; reject: (error: unknown) => void };
    slot.promise = new Promise<P>((resolve, reject) => Object.assign(slot, { resolve, reject }));
    // Rejections are taken by the consumer in order; one it never reaches (it stopped earlier) is not unhandled.
    slot.promise.catch(() => undefined);
    return slot;
  });
  const running = new Set<Promise<void>>();
  let next = 0;
  let taken = 0;
  let stopped = false;
  const startMore = (): void => {
    while (!stopped && running.size < width && next < items.length && next < taken + 2 * width) {
      const index = next;
      next += 1;
      const task: Promise<void> = new Promise<P>((resolve) => resolve(produce(items[index]!, index))).then(slots[index]!.resolve, slots[index]!.reject);
      running.add(task);
      void task.then(() => {
        running.delete(task);
        startMore();
      });
    }
  };
  try {
    startMore();
    for (const [index, item] of items.entries()) {
      await consume(await slots[index]!.promise, item, index);
      taken = index + 1;
      startMore();
    }
  } catch (error) {
    stopped = true;
    await Promise.all(running);
    throw error;
  }
}
