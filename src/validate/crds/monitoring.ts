import { SCHEMAS } from "./monitoring.coreos.com.generated.js";
import { structuralValidator, type StructuralValidator } from "./structural.js";

/*
 * prometheus-operator's ServiceMonitor and PrometheusRule (monitoring.coreos.com/v1), validated
 * against the CRDs of prometheus-operator v0.93.0 vendored by scripts/vendor-crds.mjs.
 */

/** The validators of the monitoring.coreos.com kinds the package renders. */
export const MONITORING_VALIDATORS: readonly StructuralValidator[] = SCHEMAS.filter((entry) => entry.kind === "ServiceMonitor" || entry.kind === "PrometheusRule").map((entry) =>
  structuralValidator(entry.apiVersion, entry.kind, entry.schema),
);
