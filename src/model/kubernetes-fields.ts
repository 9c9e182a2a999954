import { z } from "zod";
import { ingressHostProblems } from "../kubernetes/names-rules.js";
import { cidrProblems } from "../kubernetes/network.js";
import { quoted } from "../printable.js";
import { QUANTITY_PATTERN, quantityProblem, type QuantityKind } from "./quantity.js";

/*
 * Zod fields for values the API server judges: each runs the mirrored rule (src/kubernetes/) for
 * its messages, which echo the value and say what is wrong, and also carries a pattern or bound,
 * so the JSON Schema for editors refuses the same values wherever a pattern can say it. The rule
 * runs first: a value breaking both is reported once, in the rule's words.
 */

/** A zod refinement from a rule returning every problem of a string (empty when valid). */
export function refineAll(problemsOf: (value: string) => readonly string[]) {
  return (value: string, context: z.core.$RefinementCtx<string>): void => {
    for (const message of problemsOf(value)) context.addIssue({ code: "custom", message, input: value });
  };
}

const IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
/**
 * A CIDR as JSON Schema can say it: an IPv4 address and /0-32, or IPv6 characters and /0-128.
 * Bits after the prefix and the IPv6 grammar in full are left to {@link cidrProblems}.
 */
export const CIDR_PATTERN = new RegExp(
  `^(${IPV4_OCTET}\\.){3}${IPV4_OCTET}/(3[0-2]|[12]?[0-9])$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$`,
);

/** A CIDR as a NetworkPolicy's ipBlock takes it. */
export const cidrString = z.string().superRefine(refineAll(cidrProblems)).regex(CIDR_PATTERN, "is not a CIDR like 10.0.0.0/8");

/** An Ingress host: a DNS name, or a wildcard as the whole first label (`*.example.com`). */
export const HOST_PATTERN = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** An Ingress rule's host, by networking validateIngressRules. */
export const ingressHost = z
  .string()
  .superRefine(refineAll(ingressHostProblems))
  .max(253, "is longer than 253 characters")
  .regex(HOST_PATTERN, "is not a DNS name")
  // The rule refuses an IPv4 address; the JSON Schema says so with `not`.
  .meta({ not: { pattern: `^(${IPV4_OCTET}\\.){3}${IPV4_OCTET}$` } });

/** A quantity without a sign: a JSON Schema pattern refusing "-5Gi" (the grammar itself allows a sign). */
export const NON_NEGATIVE_QUANTITY_PATTERN = new RegExp(`^\\+?${QUANTITY_PATTERN.source.slice(1).replace("[+-]?", "")}`);

/**
 * A quantity of `kind` (cpu or bytes): the grammar and the value limits (quantity.ts), never
 * negative, with the value echoed in the message.
 */
export function quantityField(example: string, kind: QuantityKind) {
  return z
    .string()
    .superRefine(
      refineAll((value) => {
        if (!QUANTITY_PATTERN.test(value)) return [`${quoted(value)} is not a Kubernetes quantity (like ${example})`];
        if (value.startsWith("-")) return [`${quoted(value)} must not be negative`];
        const problem = quantityProblem(value, kind);
        return problem !== undefined ? [`${quoted(value)} ${problem}`] : [];
      }),
    )
    .regex(QUANTITY_PATTERN, `is not a Kubernetes quantity (like ${example})`)
    .regex(NON_NEGATIVE_QUANTITY_PATTERN, "must not be negative");
}
