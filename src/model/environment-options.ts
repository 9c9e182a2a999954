import { z } from "zod";
import { IMAGE_DIGEST, IMAGE_TAG } from "./images.js";

/*
 * The production options of an environment (issue "The ArgusAI that exists"): what upstream's Helm
 * chart offers (images, pull secrets, autoscaling, disruption budgets, ingress, scheduling,
 * ServiceAccount and PVC metadata) and what it lacks (NetworkPolicy, guarded escape-hatch patches).
 * Schemas only; environment-spec.ts assembles them, per component where the registry says so.
 */

/** A DNS-1123 subdomain (k8s.io/apimachinery IsDNS1123Subdomain, without its length). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label (IsDNS1123Label, without its length). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A label or annotation key: an optional DNS-subdomain prefix and a name (k8s.io/apimachinery IsQualifiedName). */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: at most 63 characters, alphanumerics with '-', '_', '.' inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** An image repository: registry host (with port), path segments, lowercase (the OCI reference grammar, without tag or digest). */
const IMAGE_REPOSITORY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** A name that must be a DNS-1123 subdomain of at most 253 characters (a Secret, a class, a host). */
export const dnsSubdomain = (what: string) => z.string().max(253, `is longer than 253 characters: not a valid ${what}`).regex(DNS1123_SUBDOMAIN, `is not a valid ${what} (lowercase DNS name)`);

const qualifiedKey = z
  .string()
  .refine((key) => QUALIFIED_NAME.test(key) && key.length <= 253 + 1 + 63 && (key.split("/").at(-1)?.length ?? 0) <= 63, {
    message: "is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_', '.')",
  });

/** Labels by the API server's rules. */
export const labelsSchema = z.record(qualifiedKey, z.string({ error: "must be a string" }).max(63, "is longer than 63 characters: not a label value").regex(LABEL_VALUE, "is not a valid label value"));

/** Annotations by the API server's rules (values are free text, in all at most 256 KiB). */
export const annotationsSchema = z
  .record(qualifiedKey, z.string({ error: "must be a string (quote numbers and booleans)" }))
  .refine((annotations) => Object.entries(annotations).reduce((size, [key, value]) => size + key.length + value.length, 0) <= 262_144, "are larger than 256 KiB in all, the API server's limit");

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
    if (image.tag !== undefined && image.digest !== undefined) context.addIssue({ code: "custom", path: ["digest"], message: "give a tag or a digest, not both" });
    if (image.tag === undefined && image.digest === undefined && image.repository === undefined) context.addIssue({ code: "custom", message: "give a tag, a digest or a repository" });
  })
  .describe("An image: repository, and a tag or a digest (never both)");

const percentOrCount = z.union([
  z.number({ error: "must be a whole number or a percentage like \"50%\"" }).int("is not a whole number").min(0, "must be >= 0").max(2_147_483_647, "is above 2147483647 (an int32)"),
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
  .describe("A PodDisruptionBudget for the component");

/** A HorizontalPodAutoscaler on CPU; the Deployment then carries no fixed replica count. */
export const autoscalingSchema = z
  .strictObject({
    minReplicas: z.number({ error: "must be a number" }).int("is not a whole number").min(1, "must be at least 1").max(2_147_483_647).describe("At least 1"),
    maxReplicas: z.number({ error: "must be a number" }).int("is not a whole number").min(1, "must be at least 1").max(2_147_483_647),
    targetCPUUtilizationPercentage: z.number({ error: "must be a number" }).int("is not a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000").describe("Average CPU use, in percent of the request, the autoscaler aims for"),
  })
  .superRefine((autoscaling, context) => {
    if (autoscaling.maxReplicas < autoscaling.minReplicas) context.addIssue({ code: "custom", path: ["maxReplicas"], message: `must be at least minReplicas (${autoscaling.minReplicas})` });
  })
  .describe("A HorizontalPodAutoscaler (autoscaling/v2) on CPU; only for stateless components");

const toleration = z.strictObject({
  key: qualifiedKey.optional(),
  operator: z.enum(["Exists", "Equal"], { error: 'must be "Exists" or "Equal"' }).optional(),
  value: z.string().max(63).optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: 'must be "NoSchedule", "PreferNoSchedule" or "NoExecute"' }).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** Where a component's pods may run. */
export const schedulingSchema = z
  .strictObject({
    nodeSelector: labelsSchema.optional().describe("Node labels the pods require"),
    tolerations: z.array(toleration).optional().describe("Taints the pods tolerate"),
    affinity: z
      .partialRecord(z.enum(["nodeAffinity", "podAffinity", "podAntiAffinity"], { error: "is not nodeAffinity, podAffinity or podAntiAffinity" }), z.record(z.string(), z.unknown()))
      .optional()
      .describe("A Kubernetes Affinity, as in a pod spec (checked against the Kubernetes schema when the overlay is validated)"),
    priorityClassName: dnsSubdomain("PriorityClass name").optional(),
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
      .describe("Namespace of the Gateway API data plane (its proxy pods), allowed like the ingress controller's: set it for httpRoute, and keep both while moving from an Ingress"),
    egress: z
      .strictObject({
        allowCidrs: z
          .array(z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, "is not a CIDR like 10.0.0.0/8"))
          .describe("Where the pods may connect besides DNS and each other (AI APIs, cameras, MQTT)"),
      })
      .optional()
      .describe("Restrict egress; open when absent (the backend calls AI APIs and cameras)"),
  })
  .describe("NetworkPolicies: each component reachable only from the components allowed to call it and from the ingress controller");

/** One JSON6902 operation of an escape-hatch patch. */
const patchOperation = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("add"), path: z.string(), value: z.unknown() }),
  z.strictObject({ op: z.literal("replace"), path: z.string(), value: z.unknown() }),
  z.strictObject({ op: z.literal("remove"), path: z.string() }),
  z.strictObject({ op: z.literal("test"), path: z.string(), value: z.unknown() }),
]);

/** A JSON6902 patch of one base object, verified in-process and written as a guarded patch. */
export const extraPatchSchema = z
  .strictObject({
    target: z.strictObject({
      kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "is not a kind (like Deployment)"),
      name: z.string().min(1, "must not be empty"),
    }),
    container: z.string().optional().describe("Paths are relative to this container (addressed by name, guarded by a test op)"),
    operations: z.array(patchOperation).min(1, "must hold at least one operation"),
  })
  .describe("JSON6902 operations against a base object (kind and base name); a path that does not resolve or changes nothing is an error");

/* Types of the options, for the compiler. */
export type DisruptionBudgetSpec = z.infer<typeof disruptionBudgetSchema>;
export type AutoscalingSpec = z.infer<typeof autoscalingSchema>;
export type SchedulingSpec = z.infer<typeof schedulingSchema>;
export type NetworkPolicySpec = z.infer<typeof networkPolicySchema>;
export type ExtraPatchSpec = z.infer<typeof extraPatchSchema>;
export type ObjectMetadataSpec = z.infer<typeof objectMetadataSchema>;
