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
 * `items` may arrive over time (an async iterable): each is produced as soon as it arrives and
 * there is room, so rendering starts on the first groups of overlays while later ones are still
 * being written and looked up. The iterable is read only as far as the bounds allow.
 *
 * The first failure in the order of `items` (of its `produce` or its `consume`) is thrown, once
 * every `produce` already started has ended; none starts after it. So the error does not depend
 * on timing. A failure of the iterable itself comes after every item it gave.
 *
 * @example
 * await pipeInOrder(groups, 2, (group) => runRenderer(group), async (output, group) => store(group, parse(output)));
 */
export async function pipeInOrder<T, P>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  produce: (item: T, index: number) => Promise<P>,
  consume: (produced: P, item: T, index: number) => Promise<void>,
): Promise<void> {
  const width = Math.max(1, limit);
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  const slots: Array<{ readonly item: T; readonly result: Promise<P> }> = [];
  const running = new Set<Promise<void>>();
  let taken = 0;
  let stopped = false;
  let ended = false;
  let inputFailure: { readonly error: unknown } | undefined;
  // One waiter each: the feeder for room, the consumer for the next item. Conditions are checked
  // again after every wake-up, so a wake-up with nothing to do is harmless.
  let roomFreed: () => void = () => undefined;
  let itemArrived: () => void = () => undefined;
  const feeder = (async () => {
    try {
      for (;;) {
        while (!stopped && (running.size >= width || slots.length >= taken + 2 * width)) {
          await new Promise<void>((resolve) => (roomFreed = resolve));
        }
        if (stopped) return;
        const next = await iterator.next();
        if (next.done === true || stopped) return;
        const index = slots.length;
        const result = new Promise<P>((resolve) => resolve(produce(next.value, index)));
        // Rejections are taken by the consumer in order; one it never reaches (it stopped earlier) is not unhandled.
        result.catch(() => undefined);
        const task: Promise<void> = result.then(
          () => undefined,
          () => undefined,
        );
        running.add(task);
        void task.then(() => {
          running.delete(task);
          roomFreed();
        });
        slots.push({ item: next.value, result });
        itemArrived();
      }
    } catch (error) {
      inputFailure = { error };
    } finally {
      ended = true;
      itemArrived();
    }
  })();
  try {
    for (let index = 0; ; index += 1) {
      while (index >= slots.length && !ended) await new Promise<void>((resolve) => (itemArrived = resolve));
      const slot = slots[index];
      if (slot === undefined) break;
      await consume(await slot.result, slot.item, index);
      taken = index + 1;
      roomFreed();
    }
    await feeder;
    if (inputFailure !== undefined) throw inputFailure.error;
  } catch (error) {
    stopped = true;
    roomFreed();
    await feeder;
    await Promise.all(running);
    throw error;
  }
}

/** A synchronous iterator as an asynchronous one. */
function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return { next: async () => iterator.next() };
}
