/**
 * A disruption budget as the disruption controller computes it (pkg/controller/disruption:
 * intstr.GetScaledValueFromIntOrPercent(minAvailable, expectedCount, roundUp=true)): a
 * percentage of the expected pods, rounded up. A drain can evict a pod only while
 * currentHealthy > desiredHealthy, so with every pod healthy a budget blocks every drain when the
 * desired count reaches the pod count.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { minAvailableBlocksDrain, scaledValue } from "../../src/kubernetes/disruption.js";

describe("GetScaledValueFromIntOrPercent", () => {
  it.each<[number | string, number, boolean, number]>([
    [3, 10, true, 3],
    ["50%", 1, true, 1],
    ["50%", 1, false, 0],
    ["60%", 2, true, 2],
    ["60%", 2, false, 1],
    ["50%", 2, true, 1],
    ["25%", 10, true, 3],
    ["25%", 10, false, 2],
    ["0%", 5, true, 0],
    ["100%", 3, true, 3],
  ])("%s of %s (roundUp %s) is %s", (value, total, roundUp, expected) => {
    expect(scaledValue(value, total, roundUp)).toBe(expected);
  });
});

describe("a minAvailable that blocks every drain", () => {
  it.each<[number | string, number, number | undefined]>([
    ["50%", 1, 1], // the backend case: 0.5 rounds up to the one pod
    ["60%", 2, 2], // the frontend case: 1.2 rounds up to both pods
    ["50%", 2, undefined],
    ["50%", 3, undefined], // 1.5 -> 2 of 3: one may go
    ["67%", 3, 3], // 2.01 -> 3
    ["100%", 4, 4],
    [1, 1, 1],
    [2, 2, 2],
    [1, 2, undefined],
    [0, 1, undefined],
    ["0%", 1, undefined],
  ])("minAvailable %s of %s pods: %s", (minAvailable, pods, expected) => {
    expect(minAvailableBlocksDrain(minAvailable, pods)).toBe(expected);
  });

  it("agrees with the drain simulated in whole numbers: blocked iff no pod can go (percent × pods > 100 × (pods − 1))", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 500 }), (percent, pods) => {
        // The controller lets a pod go while healthy (all pods) exceeds desired = ceil(percent × pods / 100):
        // pods − 1 >= percent × pods / 100, i.e. 100 × (pods − 1) >= percent × pods, unless desired is 0.
        const blocked = percent * pods > 100 * (pods - 1) && percent > 0;
        expect(minAvailableBlocksDrain(`${percent}%`, pods) !== undefined).toBe(blocked);
      }),
    );
  });
});
