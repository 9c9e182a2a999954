import type { ArgusComponent } from "./components.js";
import type { EnvironmentSpec } from "./environment-spec.js";

/**
 * Returns its argument: a typed identity that checks an environment literal against
 * {@link EnvironmentSpec} and keeps its literal types, so a script needs no type annotation.
 * The spec is validated (like an environment file) when it is generated.
 *
 * @example
 * const staging = defineEnvironment({ name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } });
 * await generate({ environments: [devEnvironment(), prodEnvironment(), staging] });
 */
export function defineEnvironment<const S extends EnvironmentSpec<C>, C extends string = ArgusComponent>(spec: S): S {
  return spec;
}
