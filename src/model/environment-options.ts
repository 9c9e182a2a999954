import { z } from "zod";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, QUALIFIED_NAME } from "../kubernetes/names.js";
import { annotationsSizeProblem, dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from "../kubernetes/names-rules.js";
import { ipBlockProblems } from "../kubernetes/network.js";
import { affinityProblems, tolerationProblems, type FieldProblem } from "../kubernetes/scheduling.js";
import { cidrString, refineAll } from "./kubernetes-fields.js";
import { IMAGE_DIGEST, IMAGE_TAG } from "./images.js";

// Re-exported for the modules that imported them from here.
export { DNS1123_LABEL, DNS1123_SUBDOMAIN };

/*
 * The production options of an environment (issue "The ArgusAI that exists"): what upstream's Helm
 * chart offers (images, pull secrets, autoscaling, disruption budgets, ingress, scheduling,
 * ServiceAccount and PVC metadata) and what it lacks (NetworkPolicy, guarded escape-hatch patches).
 * Schemas only; environment-spec.ts assembles them, per component where the registry says so.
 */

/** An image repository: registry host (with port), path segments, lowercase (the OCI reference grammar, without tag or digest). */
const IMAGE_REPOSITORY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * A name that must be a DNS-1123 subdomain of at most 253 characters (a Secret, a class). The
 * rule's own messages echo the value; the pattern and length also go into the JSON Schema.
 */
export const dnsSubdomain = (what: string) =>
  z
    .string()
    .superRefine(refineAll((value) => dns1123SubdomainProblems(value).map((problem) => `${problem} (a ${what})`)))
    .max(253, `is longer than 253 characters: not a valid ${what}`)
    .regex(DNS1123_SUBDOMAIN, `is not a valid ${what} (lowercase DNS name)`);

/** A label key (IsQualifiedName). */
const labelKey = z
  .string()
  .superRefine(refineAll(qualifiedNameProblems))
  .regex(QUALIFIED_NAME)
  .max(253 + 1 + 63);

/**
 * An annotation key: the API server checks the key lowercased (ValidateAnnotations), so
 * `Example.COM/Key` is a valid annotation key though not a valid label key.
 */
const annotationKey = z
  .string()
  .superRefine(refineAll((key) => qualifiedNameProblems(key.toLowerCase())))
  // The pattern with the prefix in either case (a flag does not reach the JSON Schema).
  .regex(new RegExp(QUALIFIED_NAME.source.replaceAll("[a-z0-9]", "[A-Za-z0-9]").replaceAll("[-a-z0-9]", "[-A-Za-z0-9]")))
  .max(253 + 1 + 63);

/** Labels by the API server's rules (ValidateLabels). */
export const labelsSchema = z.record(
  labelKey,
  z
    .string({ error: "must be a string" })
    .superRefine(refineAll(labelValueProblems))
    .max(63, "is longer than 63 characters: not a label value")
    .regex(LABEL_VALUE, "is not a valid label value")
    .describe("A label value: at most 63 letters, digits, '-', '_', '.'"),
);

/** Annotations by the API server's rules (values are free text; keys and values in all at most 256 KiB of UTF-8). */
export const annotationsSchema = z
  .record(annotationKey, z.string({ error: "must be a string (quote numbers and booleans)" }).describe("An annotation value: any text"))
  .superRefine((annotations, context) => {
    const problem = annotationsSizeProblem(annotations);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: annotations });
  });

/** Labels and annotations added to one object of the base. */
export const objectMetadataSchema = z.strictObject({
  labels: labelsSchema.optional().describe("Labels added to the object (never to selectors)"),
  annotations: annotationsSchema.optional().describe("Annotations added to the object"),
});

/** An image: where to pull it from and which version. */
export const imageSchema = z
  .strictObject({
    repository: z
      .string()
      .max(255)
      .regex(IMAGE_REPOSITORY, "is not an image repository (registry/path, lowercase, without tag or digest)")
      .optional()
      .describe("Repository without tag, replacing the base's (a mirror, a fork, ghcr.io/project-argusai/...)"),
    tag: z.string().regex(IMAGE_TAG, "is not a valid image tag").optional().describe("Image tag, e.g. 1.4.2"),
    digest: z.string().regex(IMAGE_DIGEST, "is not sha256: followed by 64 lowercase hex digits").optional().describe("Image digest, sha256:<64 hex>"),
  })
  .superRefine((image, context) => {
    if (image.tag !== undefined && image.digest !== undefined)
      context.addIssue({ code: "custom", path: ["digest"], message: "give a tag or a digest, not both" });
    if (image.tag === undefined && image.digest === undefined && image.repository === undefined)
      context.addIssue({ code: "custom", message: "give a tag, a digest or a repository" });
  })
  .describe("An image: repository, and a tag or a digest (never both)")
  .meta({ anyOf: [{ required: ["tag"] }, { required: ["digest"] }, { required: ["repository"] }], not: { required: ["tag", "digest"] } });

const percentOrCount = z.union([
  z
    .number({ error: 'must be a whole number or a percentage like "50%"' })
    .int("is not a whole number")
    .min(0, "must be >= 0")
    .max(2_147_483_647, "is above 2147483647 (an int32)"),
  z.string().regex(/^(100|[1-9]?[0-9])%$/, "must be a whole number or a percentage from 0% to 100%"),
]);

/** A PodDisruptionBudget: `minAvailable` or `maxUnavailable`, not both. */
export const disruptionBudgetSchema = z
  .strictObject({
    minAvailable: percentOrCount.optional().describe("Pods that must stay up during a voluntary disruption (a drain)"),
    maxUnavailable: percentOrCount.optional().describe("Pods a voluntary disruption may take down; 0 blocks every drain of their node"),
  })
  .superRefine((budget, context) => {
    if ((budget.minAvailable === undefined) === (budget.maxUnavailable === undefined)) {
      context.addIssue({ code: "custom", message: "give exactly one of minAvailable or maxUnavailable" });
    }
  })
  .describe("A PodDisruptionBudget for the component")
  .meta({ oneOf: [{ required: ["minAvailable"] }, { required: ["maxUnavailable"] }] });

/** A HorizontalPodAutoscaler on CPU; the Deployment then carries no fixed replica count. */
export const autoscalingSchema = z
  .strictObject({
    minReplicas: z.number({ error: "must be a number" }).int("is not a whole number").min(1, "must be at least 1").max(2_147_483_647).describe("At least 1"),
    maxReplicas: z
      .number({ error: "must be a number" })
      .int("is not a whole number")
      .min(1, "must be at least 1")
      .max(2_147_483_647)
      .describe("At least minReplicas"),
    targetCPUUtilizationPercentage: z
      .number({ error: "must be a number" })
      .int("is not a whole number")
      .min(1, "must be at least 1")
      .max(1000, "must be at most 1000")
      .describe("Average CPU use, in percent of the request, the autoscaler aims for"),
  })
  .superRefine((autoscaling, context) => {
    if (autoscaling.maxReplicas < autoscaling.minReplicas)
      context.addIssue({ code: "custom", path: ["maxReplicas"], message: `must be at least minReplicas (${autoscaling.minReplicas})` });
  })
  .describe("A HorizontalPodAutoscaler (autoscaling/v2) on CPU; only for stateless components");

/** A toleration; the API server's rules across its fields (ValidateTolerations) in refineProblems. */
const toleration = z
  .strictObject({
    key: z.string().optional().describe("The taint key tolerated; empty (with operator Exists) tolerates every taint"),
    operator: z
      .enum(["Exists", "Equal"], { error: 'must be "Exists" or "Equal"' })
      .optional()
      .describe("Equal (the default) matches value; Exists matches any value"),
    value: z.string().optional().describe("The taint value matched by Equal; empty with Exists"),
    effect: z
      .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: 'must be "NoSchedule", "PreferNoSchedule" or "NoExecute"' })
      .optional()
      .describe("The taint effect matched; all effects when absent"),
    tolerationSeconds: z
      .number({ error: "must be a number" })
      .int("is not a whole number")
      .optional()
      .describe("How long a NoExecute taint is tolerated before eviction; only with effect NoExecute"),
  })
  .superRefine(refineProblems(tolerationProblems))
  .describe("A toleration, as in a pod spec")
  // ValidateTolerations' rules across fields, as JSON Schema says them (for editors).
  .meta({
    allOf: [
      {
        if: { not: { required: ["key"], properties: { key: { minLength: 1 } } } },
        then: { required: ["operator"], properties: { operator: { const: "Exists" } } },
      },
      { if: { required: ["tolerationSeconds"] }, then: { required: ["effect"], properties: { effect: { const: "NoExecute" } } } },
      {
        if: { required: ["operator"], properties: { operator: { const: "Exists" } } },
        then: { properties: { value: { maxLength: 0 } } },
        else: { properties: { value: { maxLength: 63, pattern: LABEL_VALUE.source } } },
      },
      { properties: { key: { anyOf: [{ maxLength: 0 }, { pattern: QUALIFIED_NAME.source, maxLength: 253 + 1 + 63 }] } } },
    ],
  });

/** Where a component's pods may run. */
export const schedulingSchema = z
  .strictObject({
    nodeSelector: labelsSchema.optional().describe("Node labels the pods require"),
    tolerations: z.array(toleration).optional().describe("Taints the pods tolerate"),
    affinity: z
      .partialRecord(
        z.enum(["nodeAffinity", "podAffinity", "podAntiAffinity"], { error: "is not nodeAffinity, podAffinity or podAntiAffinity" }),
        z.record(z.string(), z.unknown()).describe("nodeAffinity, podAffinity or podAntiAffinity, as in a pod spec"),
      )
      .superRefine(refineProblems(affinityProblems))
      .optional()
      .describe(
        "A Kubernetes Affinity, as in a pod spec: checked by the API server's rules here, and against the Kubernetes schema when the overlay is validated",
      ),
    priorityClassName: dnsSubdomain("PriorityClass name").optional().describe("The PriorityClass of the pods (created outside this tree)"),
  })
  .describe("nodeSelector, tolerations, affinity and priorityClassName of the component's pods");

/** A NetworkPolicy per component: ingress only from the components the registry names and the ingress controller. */
export const networkPolicySchema = z
  .strictObject({
    ingressControllerNamespace: z
      .string()
      .max(63)
      .regex(DNS1123_LABEL, "is not a namespace name (a DNS-1123 label)")
      .describe("Namespace of the ingress controller, allowed to reach every component with a route (e.g. ingress-nginx)"),
    monitoringNamespace: z
      .string()
      .max(63)
      .regex(DNS1123_LABEL, "is not a namespace name (a DNS-1123 label)")
      .optional()
      .describe("Namespace of Prometheus (or another scraper), allowed to reach every component's http port (the backend's /metrics)"),
    gatewayNamespace: z
      .string()
      .max(63)
      .regex(DNS1123_LABEL, "is not a namespace name (a DNS-1123 label)")
      .optional()
      .describe(
        "Namespace of the Gateway API data plane (its proxy pods), allowed like the ingress controller's: set it for httpRoute, and keep both while moving from an Ingress",
      ),
    egress: z
      .strictObject({
        allowCidrs: z
          .array(
            z
              .union([
                cidrString.describe("A network the pods may connect to, like 203.0.113.0/24 or 2001:db8::/32"),
                z
                  .strictObject({
                    cidr: cidrString.describe("The network"),
                    except: z
                      .array(cidrString.describe("A part of the network, like 10.1.0.0/16"))
                      .min(1, "must hold at least one CIDR")
                      .describe("Parts of the network the pods may not connect to, each inside cidr and smaller"),
                  })
                  .superRefine((block, context) => {
                    for (const problem of ipBlockProblems(block.cidr, block.except)) {
                      // The format of each CIDR is reported on its own field; here only the subset rule.
                      if (/strict subset/.test(problem.message))
                        context.addIssue({ code: "custom", path: [...problem.field], message: problem.message, input: block });
                    }
                  })
                  .describe("A network with exceptions (a NetworkPolicy ipBlock)"),
              ])
              .describe("A CIDR, or a CIDR with exceptions"),
          )
          .describe("Where the pods may connect besides DNS and each other (AI APIs, cameras, MQTT)"),
      })
      .optional()
      .describe("Restrict egress; open when absent (the backend calls AI APIs and cameras)"),
  })
  .describe("NetworkPolicies: each component reachable only from the components allowed to call it and from the ingress controller");

/** One JSON6902 operation of an escape-hatch patch. */
const opPath = z
  .string()
  // The root pointer "" (and "/", the key "") would replace or remove the whole object: the escape
  // hatch changes fields of an object the base owns, never the object itself.
  .regex(/^\/[^/]/, 'must point at a field, like /spec/template/spec/hostAliases: "" (the whole object) is not allowed')
  .describe("JSON Pointer into the object (or the container), like /spec/template/spec/hostAliases");
const opValue = z.unknown().describe("The value the operation writes or tests");
const patchOperation = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("add").describe("Add the value at path"), path: opPath, value: opValue }),
  z.strictObject({ op: z.literal("replace").describe("Replace the value at path"), path: opPath, value: opValue }),
  z.strictObject({ op: z.literal("remove").describe("Remove what is at path"), path: opPath }),
  z.strictObject({ op: z.literal("test").describe("Fail unless path holds the value"), path: opPath, value: opValue }),
]);

/** A JSON6902 patch of one base object, verified in-process and written as a guarded patch. */
export const extraPatchSchema = z
  .strictObject({
    target: z
      .strictObject({
        kind: z
          .string()
          .regex(/^[A-Z][A-Za-z0-9]*$/, "is not a kind (like Deployment)")
          .describe("Kind of the base object, like Deployment"),
        name: z.string().min(1, "must not be empty").describe("Name of the base object, like argusai-backend"),
      })
      .describe("The base object the operations apply to"),
    container: z.string().optional().describe("Paths are relative to this container (addressed by name, guarded by a test op)"),
    operations: z
      .array(patchOperation.describe("One JSON6902 operation"))
      .min(1, "must hold at least one operation")
      .describe("JSON6902 operations (add, replace, remove, test), applied in order"),
  })
  .describe("JSON6902 operations against a base object (kind and base name); a path that does not resolve or changes nothing is an error");

/** A zod refinement from a rule returning problems by field (relative to the value). */
function refineProblems<T>(problemsOf: (value: T) => readonly FieldProblem[]) {
  return (value: T, context: z.core.$RefinementCtx<T>): void => {
    for (const problem of problemsOf(value)) context.addIssue({ code: "custom", path: [...problem.field], message: problem.message, input: value });
  };
}

/* Types of the options, for the compiler. */
export type DisruptionBudgetSpec = z.infer<typeof disruptionBudgetSchema>;
export type AutoscalingSpec = z.infer<typeof autoscalingSchema>;
export type SchedulingSpec = z.infer<typeof schedulingSchema>;
export type NetworkPolicySpec = z.infer<typeof networkPolicySchema>;
export type ExtraPatchSpec = z.infer<typeof extraPatchSchema>;
export type ObjectMetadataSpec = z.infer<typeof objectMetadataSchema>;
