import { z } from "zod";
import { dnsSubdomain } from "./environment-options.js";

/*
 * The secret modes that keep argusai-secrets in GitOps: an ExternalSecret (External Secrets
 * Operator fills the Secret from a store) and a SealedSecret (the user seals the values with
 * kubeseal; only the cluster's controller can open them). Schemas only; environment-spec.ts puts
 * them beside `generated` and `existing`.
 */

/**
 * The variables ArgusAI's backend reads from argusai-secrets (upstream's Helm chart,
 * charts/argusai/templates/secret.yaml): two it cannot start without, and optional provider keys.
 */
export const ARGUSAI_SECRET_VARIABLES = {
  /** Fernet key of the stored credentials, and the key JWTs are signed with. */
  required: ["ENCRYPTION_KEY", "JWT_SECRET_KEY"],
  /** AI providers, Web Push (VAPID) and MQTT; each only when that feature is used. */
  optional: ["OPENAI_API_KEY", "XAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_AI_API_KEY", "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "MQTT_PASSWORD"],
} as const;

/** The names of the secret modes, in the order messages list them. */
export const SECRET_MODES = ["generated", "existing", "externalSecret", "sealedSecret"] as const;

/** One object per secret variable: the two required keys, the provider keys optional. */
function perVariable<T extends z.ZodType>(schema: T) {
  const shape = {
    ...Object.fromEntries(ARGUSAI_SECRET_VARIABLES.required.map((name) => [name, schema])),
    ...Object.fromEntries(ARGUSAI_SECRET_VARIABLES.optional.map((name) => [name, schema.optional()])),
  } as { [K in (typeof ARGUSAI_SECRET_VARIABLES.required)[number]]: T } & { [K in (typeof ARGUSAI_SECRET_VARIABLES.optional)[number]]: z.ZodOptional<T> };
  return z.strictObject(shape);
}

/** external-secrets.io/v1 ExternalSecretDataRemoteRef, the fields a key mapping needs. */
const remoteRefSchema = z
  .strictObject({
    key: z.string().min(1, "must not be empty").describe("The secret's key (path/name) in the store"),
    property: z.string().min(1, "must not be empty").optional().describe("A property inside that secret (a JSON field, a Vault key)"),
    version: z.string().min(1, "must not be empty").optional().describe("A version of the secret, where the store keeps versions"),
  })
  .describe("Where one variable's value is in the store");

/**
 * A Go duration as ExternalSecret's refreshInterval takes it (time.ParseDuration: "1h", "15m",
 * "1h30m", "0" to fetch once).
 */
const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;

/** ESO's own default; a store read once an hour keeps API quotas of cloud secret managers low. */
export const EXTERNAL_SECRET_DEFAULT_REFRESH = "1h";
/** The store kind when `store.kind` is absent: a store in the environment's own namespace. */
export const EXTERNAL_SECRET_DEFAULT_STORE_KIND = "SecretStore";
/** kubeseal's own default scope: bound to the Secret's name and namespace. */
export const SEALED_SECRET_DEFAULT_SCOPE = "strict";

/** `secret: { mode: externalSecret, ... }`. */
export const externalSecretModeSchema = z
  .strictObject({
    mode: z.literal("externalSecret").describe("externalSecret: External Secrets Operator fills the Secret from a store"),
    store: z
      .strictObject({
        name: dnsSubdomain("store name").describe("Name of the SecretStore (in the environment's namespace) or ClusterSecretStore"),
        kind: z
          .enum(["SecretStore", "ClusterSecretStore"], { error: 'must be "SecretStore" or "ClusterSecretStore"' })
          .optional()
          .describe("Kind of the store: a SecretStore in the environment's namespace or a ClusterSecretStore")
          .meta({ default: EXTERNAL_SECRET_DEFAULT_STORE_KIND }),
      })
      .describe("The store External Secrets Operator reads from (created outside this tree)"),
    refreshInterval: z
      .string()
      .regex(GO_DURATION, 'is not a duration like "1h" or "15m" (Go syntax; "0" fetches once)')
      .optional()
      .describe('How often the operator re-reads the store, a Go duration ("0" fetches once)')
      .meta({ default: EXTERNAL_SECRET_DEFAULT_REFRESH }),
    data: perVariable(remoteRefSchema).describe("Where each variable of argusai-secrets is in the store; ENCRYPTION_KEY and JWT_SECRET_KEY are required"),
  })
  .describe("An ExternalSecret (external-secrets.io/v1) that fills argusai-secrets from a SecretStore or ClusterSecretStore");

/** A value kubeseal wrote: standard base64 of the RSA-OAEP + AES-GCM sealed value. */
const SEALED_VALUE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `secret: { mode: sealedSecret, ... }`. */
export const sealedSecretModeSchema = z
  .strictObject({
    mode: z.literal("sealedSecret").describe("sealedSecret: the sealed-secrets controller unseals values sealed with kubeseal"),
    scope: z
      .enum(["strict", "namespace-wide", "cluster-wide"], { error: 'must be "strict", "namespace-wide" or "cluster-wide"' })
      .optional()
      .describe("The kubeseal --scope the values were sealed with (strict: bound to argusai-secrets in this namespace)")
      .meta({ default: SEALED_SECRET_DEFAULT_SCOPE }),
    encryptedData: perVariable(
      z
        .string({ error: "must be a string (kubeseal's output)" })
        .min(1, "must not be empty")
        .regex(SEALED_VALUE, "is not base64 as kubeseal writes it (a plain value was given?)")
        .describe("The variable's value as kubeseal sealed it (base64)"),
    ).describe("kubeseal's sealed value per variable; ENCRYPTION_KEY and JWT_SECRET_KEY are required"),
  })
  .describe("A SealedSecret (bitnami.com/v1alpha1) the controller unseals into argusai-secrets");

export type ExternalSecretModeSpec = z.infer<typeof externalSecretModeSchema>;
export type SealedSecretModeSpec = z.infer<typeof sealedSecretModeSchema>;
