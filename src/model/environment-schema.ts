import { z } from "zod";
import { BASE_STORAGE_SIZE } from "./base.js";
import { ARGUSAI_COMPONENTS, componentNames, type ArgusComponent, type ComponentRegistry } from "./components.js";
import { CONFIG_KEY_PATTERN, configKeyProblem, configValueProblem } from "./config-data.js";
import {
  annotationsSchema,
  autoscalingSchema,
  disruptionBudgetSchema,
  DNS1123_LABEL,
  dnsSubdomain,
  extraPatchSchema,
  imageSchema,
  labelsSchema,
  networkPolicySchema,
  objectMetadataSchema,
  schedulingSchema,
} from "./environment-options.js";
import { ingressHost, quantityField } from "./kubernetes-fields.js";
import { parseQuantity } from "./quantity.js";
import { argocdSpecSchema } from "./argocd-spec.js";
import { monitoringSpecSchema } from "./monitoring-spec.js";
import { httpRouteSpecSchema } from "./gateway-spec.js";
import { externalSecretModeSchema, sealedSecretModeSchema } from "./secret-modes.js";

/*
 * EnvironmentSpec has one definition: the zod schema below. The TypeScript type is inferred from
 * it, environment files are parsed with it, and the JSON Schema for editors
 * (schema/environment.schema.json) is generated from it, so the three cannot drift apart.
 * This file is the shape only: messages are in spec-messages.ts, rules across fields in
 * environment-rules.ts, validation and loading in load-environments.ts.
 */

const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `is longer than 63 characters: not a DNS-1123 label`)
    .regex(DNS1123_LABEL, `is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`)
    .describe(`${what}: a DNS-1123 label`);

/** A zod refinement from a pure `(value) => problem | undefined` rule (config-data.ts). */
const refineWith =
  (problemOf: (value: string) => string | undefined) =>
  (value: string, context: z.core.$RefinementCtx<string>): void => {
    const problem = problemOf(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: value });
  };

const quantity = quantityField;

const wholeNumber = z
  .number({ error: "must be a number" })
  .int("is not a whole number")
  .min(0, "must be >= 0")
  .max(2_147_483_647, "is above 2147483647 (an int32)");

const imageVersionSchema = imageSchema;

const cpuMemory = (cpu: string, memory: string, what: string) =>
  z
    .strictObject({
      cpu: quantity(cpu, "cpu").optional().describe(`CPU ${what}, in cores or thousandths (like ${cpu}); the base's when absent`),
      memory: quantity(memory, "bytes").optional().describe(`Memory ${what}, a whole number of bytes (like ${memory}); the base's when absent`),
    })
    .describe(`CPU and memory ${what}`);

export const resourceSpecSchema = z
  .strictObject({
    requests: cpuMemory("250m", "512Mi", "requested (what the scheduler reserves)").optional(),
    limits: cpuMemory("1000m", "1Gi", "limits (the most the container may use)").optional(),
  })
  .describe("CPU and memory of a container; only the keys given change the base");

/** An object with one optional field per component of the registry. */
function perComponent<C extends string, T extends z.ZodType>(names: readonly C[], schema: T) {
  return z.strictObject(Object.fromEntries(names.map((name) => [name, schema.optional()])) as { [K in C]: z.ZodOptional<T> });
}

const secretSpecSchema = z
  .discriminatedUnion("mode", [
    z
      .strictObject({ mode: z.literal("generated").describe("generated: random values in a git-ignored secrets.env") })
      .describe("secretGenerator over a git-ignored secrets.env created with random values; never for production"),
    z
      .strictObject({ mode: z.literal("existing").describe("existing: the Secret is made outside this tree") })
      .describe("argusai-secrets is created outside this tree (kubectl, External Secrets, Sealed Secrets)"),
    externalSecretModeSchema,
    sealedSecretModeSchema,
  ])
  .describe("How the argusai-secrets Secret reaches the namespace");

const ingressSpecSchema = z
  .strictObject({
    host: ingressHost.describe("Public hostname: a DNS name, or a wildcard as the whole first label (*.example.com)"),
    tlsSecretName: dnsSubdomain("Secret name").optional().describe("Secret holding the TLS certificate; no TLS when absent"),
    className: dnsSubdomain("IngressClass name").optional().describe("spec.ingressClassName; the cluster default when absent"),
    exposeMetrics: z.boolean().optional().describe("Route /metrics (Prometheus, unauthenticated) to the backend on the public host").meta({ default: false }),
    annotations: annotationsSchema.optional().describe("Annotations of the Ingress (ingress-nginx gets WebSocket and upload defaults when className is nginx)"),
    labels: labelsSchema.optional().describe("Labels added to the Ingress"),
  })
  .describe("An Ingress on one host: /api, /ws, /health, /docs, /openapi.json (and /metrics when asked) to the backend, the rest to the frontend");

/**
 * The schema of an environment for a component registry (the single definition of
 * {@link EnvironmentSpec}): every per-component field has one optional key per component.
 *
 * @example
 * environmentSchemaFor(ARGUSAI_COMPONENTS).safeParse(JSON.parse(text));
 */
export function environmentSchemaFor<C extends string>(registry: ComponentRegistry<C>) {
  const names = componentNames(registry);
  return z
    .strictObject({
      $schema: z.string().optional().describe("Path or URL of this JSON Schema, for editors; ignored"),
      name: dnsLabel("Overlay directory name (overlays/<name>)"),
      namespace: dnsLabel("Namespace of every object of the overlay"),
      production: z.boolean().optional().describe("Production: images must be pinned and the Secret must not be generated").meta({ default: false }),
      createNamespace: z.boolean().optional().describe("Write a Namespace enforcing the restricted Pod Security Standard").meta({ default: true }),
      images: perComponent(names, imageVersionSchema).optional().describe("Image version per component; the base's latest when absent"),
      replicas: perComponent(names, wholeNumber.describe("Replicas of the component").meta({ default: 1 }))
        .optional()
        .describe("Replicas per component; the backend at most 1 (single SQLite writer)"),
      resources: perComponent(names, resourceSpecSchema).optional().describe("Requests and limits per component, merged over the base's"),
      config: z
        .record(
          z.string().regex(CONFIG_KEY_PATTERN, "is not a valid ConfigMap key (letters, digits, '-', '_', '.')").superRefine(refineWith(configKeyProblem)),
          z
            .string({ error: "must be a string (quote numbers and booleans)" })
            .superRefine(refineWith(configValueProblem))
            .describe("The value, as text (quote numbers and booleans)"),
        )
        .optional()
        .describe("Values merged into the argusai-config ConfigMap"),
      secret: secretSpecSchema,
      ingress: ingressSpecSchema.optional(),
      storage: z
        .strictObject({
          className: dnsSubdomain("StorageClass name").optional().describe("StorageClass of the data volume; the cluster's default when absent"),
          size: quantity("10Gi", "bytes")
            .refine((size) => {
              const parsed = parseQuantity(size);
              return !parsed.ok || parsed.value.nanos > 0n;
            }, "must be above zero")
            .optional()
            .describe("Size of the data volume, a whole number of bytes above zero (like 10Gi)")
            .meta({ default: BASE_STORAGE_SIZE }),
          accessMode: z
            .enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"], { error: 'must be "ReadWriteOnce", "ReadWriteOncePod" or "ReadWriteMany"' })
            .optional()
            .describe("Access mode of the data volume")
            .meta({ default: "ReadWriteOnce" }),
          annotations: annotationsSchema.optional().describe("Annotations added to the PVC (e.g. a backup tool's)"),
          labels: labelsSchema.optional().describe("Labels added to the PVC"),
        })
        .optional()
        .describe("The data volume's StorageClass (cluster default when absent), size (base 10Gi), access mode and metadata"),
      disruptionBudgets: perComponent(names, disruptionBudgetSchema).optional().describe("A PodDisruptionBudget per component"),
      autoscaling: perComponent(names, autoscalingSchema).optional().describe("A HorizontalPodAutoscaler per stateless component (never a single writer)"),
      scheduling: perComponent(names, schedulingSchema).optional().describe("Where each component's pods may run"),
      imagePullSecrets: z
        .array(dnsSubdomain("Secret name").describe("A Secret name"))
        .optional()
        .describe("Secrets (created outside this tree) the pods pull their images with"),
      networkPolicy: networkPolicySchema.optional(),
      serviceAccount: objectMetadataSchema.optional().describe("Labels and annotations of the ServiceAccount (e.g. workload identity)"),
      services: objectMetadataSchema.optional().describe("Labels and annotations added to every Service"),
      patches: z.array(extraPatchSchema).optional().describe("Escape hatch: JSON6902 patches against base objects, verified and guarded"),
      argocd: argocdSpecSchema.optional(),
      httpRoute: httpRouteSpecSchema.optional(),
      monitoring: monitoringSpecSchema.optional(),
    })
    .describe("An ArgusAI environment: everything its overlay differs in from the base");
}

/** The schema of an ArgusAI environment (backend and frontend). */
export const environmentSpecSchema = environmentSchemaFor(ARGUSAI_COMPONENTS);

/**
 * One environment, as data: everything its overlay differs in from the base. The same shape
 * comes from TypeScript or from an environment file, and one validator checks both.
 *
 * @example
 * const staging: EnvironmentSpec = {
 *   name: "staging",
 *   namespace: "argusai-staging",
 *   images: { backend: { tag: "1.4.2" }, frontend: { tag: "1.4.2" } },
 *   secret: { mode: "existing" },
 * };
 */
export type EnvironmentSpec<C extends string = ArgusComponent> = z.infer<ReturnType<typeof environmentSchemaFor<C>>>;
/** An image version: a tag, or a digest (`sha256:` + 64 hex digits), never both. */
export type ImageVersion = z.infer<typeof imageVersionSchema>;
/** CPU and memory of a container; only the keys given change the base. */
export type ResourceSpec = z.infer<typeof resourceSpecSchema>;
/**
 * How the `argusai-secrets` Secret reaches the namespace: `generated` (a git-ignored, randomly
 * filled `secrets.env`, for laptops) or `existing` (created outside this tree).
 */
export type SecretSpec = z.infer<typeof secretSpecSchema>;
/** An Ingress in front of both components. */
export type IngressSpec = z.infer<typeof ingressSpecSchema>;
