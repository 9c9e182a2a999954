/*
 * A PodDisruptionBudget as the disruption controller computes it (pkg/controller/disruption,
 * getExpectedPodCount): minAvailable and maxUnavailable are scaled against the expected pod count
 * with intstr.GetScaledValueFromIntOrPercent(value, expected, roundUp=true), so a percentage is
 * rounded up: "50%" of 1 pod is 1, "60%" of 2 pods is 2.
 */

/** GetScaledValueFromIntOrPercent: a count as is, or `percent` of `total`, rounded up or down. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (match === null) return undefined;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Whether a budget with `minAvailable` over `pods` expected pods lets no pod be evicted: the
 * controller's desired healthy count (rounded up) is every pod, and at least one. `undefined`
 * when it allows a disruption; otherwise the desired count.
 */
export function minAvailableBlocksDrain(minAvailable: number | string, pods: number): number | undefined {
  const desired = scaledValue(minAvailable, pods, true);
  return desired !== undefined && desired > 0 && desired >= pods ? desired : undefined;
}
