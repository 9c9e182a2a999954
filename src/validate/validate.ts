import type { EnvironmentSpec } from "../model/environment-spec.js";
import { NAMES } from "../model/base.js";
import { ARGUSAI_COMPONENTS, type ComponentRegistry } from "../model/components.js";
import { policyViolations, type PolicyContext, type RenderedObject } from "./policies.js";
import { schemaViolations } from "./schema.js";
import type { Violation } from "./violation.js";

// The schema validators (about 150 ms of imports) load at the first validation, per kind, not at
// start: a run whose validations all come from the cache never loads them.

/** What the policies know of an environment: production or not, and what it provides from outside. */
export function policyContextOf(spec: EnvironmentSpec<string>, components: ComponentRegistry = ARGUSAI_COMPONENTS): PolicyContext {
  return {
    singleWriters: components.filter((component) => component.singleWriter).map((component) => component.deploymentName),
    production: spec.production === true,
    externalSecrets: [
      ...(spec.secret.mode === "existing" ? [NAMES.secret] : []),
      ...(spec.ingress?.tlsSecretName !== undefined ? [spec.ingress.tlsSecretName] : []),
    ],
    externalConfigMaps: [],
    externalClaims: [],
    ...(spec.networkPolicy?.monitoringNamespace !== undefined ? { monitoringNamespace: spec.networkPolicy.monitoringNamespace } : {}),
  };
}

/**
 * Every schema and policy violation of one rendered overlay, schema first, in object order.
 *
 * @example
 * const { objects } = await render("prod", { dir });
 * const violations = await validateRendered(objects, policyContextOf(prodEnvironment()));
 */
export async function validateRendered(objects: readonly RenderedObject[], context: PolicyContext): Promise<Violation[]> {
  const schema = await Promise.all(objects.map((object) => schemaViolations(object as Record<string, unknown>)));
  return [...schema.flat(), ...policyViolations(objects, context)];
}
