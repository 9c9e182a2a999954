/** The bounded pools every process and file goes through: limits, order, and which failure is thrown. */
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pipeInOrder } from "../src/pool.js";

describe("pipeInOrder", () => {
  it("consumes in order, one at a time, with at most `limit` producers and 2 × limit results ahead", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { maxLength: 20 }), fc.integer({ min: 1, max: 4 }), async (delays, limit) => {
        let producing = 0;
        let consuming = 0;
        let taken = 0;
        const consumed: number[] = [];
        await pipeInOrder(
          delays,
          limit,
          async ([produceMs], index) => {
            producing += 1;
            expect(producing).toBeLessThanOrEqual(limit);
            expect(index).toBeLessThan(taken + 2 * limit);
            await sleep(produceMs);
            producing -= 1;
            return index * 10;
          },
          async (produced, [, consumeMs], index) => {
            consuming += 1;
            expect(consuming).toBe(1);
            expect(produced).toBe(index * 10);
            await sleep(consumeMs);
            consumed.push(index);
            consuming -= 1;
            taken = index + 1;
          },
        );
        expect(consumed).toEqual(delays.map((_delay, index) => index));
      }),
      { numRuns: 40, seed: 20261201 },
    );
  });

  it("takes items that arrive over time: consumes the first before the input ends; a failing input is thrown after its items", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Item 2 arrives only once item 1 was consumed: waiting for the end of the input first would never finish.
    async function* arriving(): AsyncGenerator<number> {
      yield 0;
      yield 1;
      await gate;
      yield 2;
    }
    const consumed: number[] = [];
    await pipeInOrder(
      arriving(),
      2,
      async (item) => item * 10,
      async (produced, item) => {
        consumed.push(produced);
        if (item === 1) release();
      },
    );
    expect(consumed).toEqual([0, 10, 20]);

    async function* failing(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw new Error("the input broke");
    }
    const before: number[] = [];
    await expect(
      pipeInOrder(
        failing(),
        1,
        async (item) => item,
        async (item) => {
          before.push(item);
        },
      ),
    ).rejects.toThrow("the input broke");
    expect(before).toEqual([1, 2]);
  });

  it("a producer runs while the previous result is consumed", async () => {
    const events: string[] = [];
    await pipeInOrder(
      [0, 1],
      1,
      async (item) => {
        events.push(`produce ${item}`);
        return item;
      },
      async (item) => {
        events.push(`consume ${item} start`);
        await sleep(20);
        events.push(`consume ${item} end`);
      },
    );
    expect(events).toEqual(["produce 0", "consume 0 start", "produce 1", "consume 0 end", "consume 1 start", "consume 1 end"]);
  });

  it("throws the first failure in item order, whatever finished first, after every started producer ended; none starts after", async () => {
    const started: number[] = [];
    let running = 0;
    const failure = await pipeInOrder(
      [30, 0, 0, 0, 0, 0, 0, 0],
      2,
      async (delay, index) => {
        started.push(index);
        running += 1;
        await sleep(delay);
        running -= 1;
        // Item 2 fails at once, long before item 0 (which fails later, but comes first) is done.
        if (index === 0 || index === 2) throw new Error(`item ${index}`);
        return index;
      },
      async () => undefined,
    ).catch((error: Error) => error);
    expect((failure as Error).message).toBe("item 0");
    expect(running).toBe(0);
    // At most 2 × limit ahead of the consumer, which never took an item.
    expect(Math.max(...started)).toBeLessThan(4);
  });

  it("a failing consumer stops the producers and is thrown; a producer's synchronous throw is a failure of its item", async () => {
    const consumerFailure = await pipeInOrder(
      [1, 2, 3, 4, 5, 6],
      2,
      async (item) => item,
      async (item) => {
        if (item === 2) throw new Error("consume 2");
      },
    ).catch((error: Error) => error.message);
    expect(consumerFailure).toBe("consume 2");
    const syncFailure = await pipeInOrder(
      [1],
      1,
      (): Promise<number> => {
        throw new Error("sync");
      },
      async () => undefined,
    ).catch((error: Error) => error.message);
    expect(syncFailure).toBe("sync");
  });
});
