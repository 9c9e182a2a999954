/**
 * The selector of a component's pods. These two labels are immutable once a Deployment exists
 * (a selector change needs delete + create), so they live in the base and no environment ever
 * adds to them: per-environment labels are written with `includeSelectors: false`.
 */
export function selectorLabels(component: string): Record<string, string> {
  return { app: "argusai", component };
}

/** Selector labels plus the recommended `app.kubernetes.io/*` labels, for metadata and pods. */
export function componentLabels(component: string): Record<string, string> {
  return {
    ...selectorLabels(component),
    "app.kubernetes.io/name": "argusai",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "argusai",
  };
}

/** Labels for resources shared by every component (ServiceAccount, ConfigMap, Ingress). */
export function sharedLabels(): Record<string, string> {
  return {
    app: "argusai",
    "app.kubernetes.io/name": "argusai",
    "app.kubernetes.io/part-of": "argusai",
  };
}
