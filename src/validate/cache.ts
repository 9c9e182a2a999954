import { createHash } from "node:crypto";
import type { StoreBounds, EntryStore } from "../cache-store.js";
import type { RenderCache } from "../render/cache.js";
import type { Rendered } from "../render/kustomize.js";
import type { PolicyContext } from "./policies.js";
import { validateRendered } from "./validate.js";
import { validatorVersion } from "./version.js";
import type { Violation } from "./violation.js";

/*
 * Validation results, remembered by exactly what they judged: the rendered YAML's bytes (the
 * objects validated are parsed from them), the policy context (production or not, what is
 * provided outside), and the validator's version (version.ts). The same overlay rendered from the
 * same files is then judged once, not on every generate or validate. Entries sit beside the
 * renders (`<cache>/validation/`) and share their guarantees: atomic writes, a damaged entry is a
 * miss, bounded (see {@link VALIDATION_CACHE_BOUNDS}).
 */

/** Bumped whenever an entry's format or the key's meaning changes. */
const FORMAT = "argusai-kustomize validation cache 1";

/** An entry is a list of violations, usually empty: 32 MiB is hundreds of thousands of them; nothing unused for 30 days. */
export const VALIDATION_CACHE_BOUNDS: StoreBounds = { maxBytes: 32 * 1024 * 1024, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };

/** Where the validations of a render cache live; `false` without one. */
export function validationStoreOf(renders: RenderCache | false): EntryStore | false {
  return renders === false ? false : renders.companion("validation", FORMAT, VALIDATION_CACHE_BOUNDS);
}

/** The key of a validation: the validator's version, the context, and the digest of the YAML judged. */
export function validationKey(yaml: string, context: PolicyContext): string {
  const digest = createHash("sha256").update(yaml).digest("hex");
  return createHash("sha256")
    .update(`${FORMAT}\0${validatorVersion()}\0${JSON.stringify(context)}\0${digest}`)
    .digest("hex");
}

/**
 * {@link validateRendered} of one rendered overlay, remembered in `store` (from
 * {@link validationStoreOf}); `false` validates every time.
 */
export async function validateCached(rendered: Rendered, context: PolicyContext, store: EntryStore | false): Promise<Violation[]> {
  if (store === false) return validateRendered(rendered.objects, context);
  const key = validationKey(rendered.yaml, context);
  const remembered = store.read(key);
  if (Array.isArray(remembered) && remembered.every(isViolation)) return remembered;
  const violations = await validateRendered(rendered.objects, context);
  await store.write(key, violations);
  return violations;
}

function isViolation(value: unknown): value is Violation {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return ["policy", "object", "field", "message", "fix"].every((key) => typeof record[key] === "string");
}
