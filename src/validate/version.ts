import { codeVersion } from "../code-version.js";

/**
 * The validator's version, part of every validation cache key: the version of the running code
 * as a whole (see code-version.ts for why a hash of all of it rather than a constant bumped by
 * hand), which covers the policies, the schema checks and the libraries behind them.
 */
export function validatorVersion(): string {
  return codeVersion();
}
