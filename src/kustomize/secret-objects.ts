import { NAMES } from "../model/base.js";
import { sharedLabels } from "../model/labels.js";
import {
  ARGUSAI_SECRET_VARIABLES,
  EXTERNAL_SECRET_DEFAULT_REFRESH,
  EXTERNAL_SECRET_DEFAULT_STORE_KIND,
  SEALED_SECRET_DEFAULT_SCOPE,
  type ExternalSecretModeSpec,
  type SealedSecretModeSpec,
} from "../model/secret-modes.js";

/*
 * The objects of the GitOps secret modes. Both end in the Secret the pods read (argusai-secrets):
 * the ExternalSecret names it as its target, the SealedSecret is called by it (the controller
 * gives the Secret the SealedSecret's own name). Validated against their CRDs' schemas like every
 * rendered object.
 */

/** external-secrets.io/v1 ExternalSecret, as far as written here. */
export interface ExternalSecret {
  apiVersion: "external-secrets.io/v1";
  kind: "ExternalSecret";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    refreshInterval: string;
    secretStoreRef: { name: string; kind: "SecretStore" | "ClusterSecretStore" };
    target: { name: string; creationPolicy: "Owner"; deletionPolicy: "Retain" };
    data: Array<{ secretKey: string; remoteRef: { key: string; property?: string; version?: string } }>;
  };
}

/** bitnami.com/v1alpha1 SealedSecret, as far as written here. */
export interface SealedSecret {
  apiVersion: "bitnami.com/v1alpha1";
  kind: "SealedSecret";
  metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    encryptedData: Record<string, string>;
    template: { metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> }; type: "Opaque" };
  };
}

/** Variables in a stable order: the required ones, then the provider keys, as declared. */
const VARIABLE_ORDER: readonly string[] = [...ARGUSAI_SECRET_VARIABLES.required, ...ARGUSAI_SECRET_VARIABLES.optional];

export function externalSecret(mode: ExternalSecretModeSpec): ExternalSecret {
  const data = mode.data as Readonly<Record<string, ExternalSecretModeSpec["data"]["ENCRYPTION_KEY"] | undefined>>;
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: NAMES.secret, labels: sharedLabels() },
    spec: {
      refreshInterval: mode.refreshInterval ?? EXTERNAL_SECRET_DEFAULT_REFRESH,
      secretStoreRef: { name: mode.store.name, kind: mode.store.kind ?? EXTERNAL_SECRET_DEFAULT_STORE_KIND },
      // Owner: the operator creates the Secret and deletes it with the ExternalSecret. Retain: a
      // key that disappears from the store leaves the last value in place instead of emptying
      // the Secret under a running backend.
      target: { name: NAMES.secret, creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: VARIABLE_ORDER.flatMap((name) => {
        const ref = data[name];
        if (ref === undefined) return [];
        return [
          {
            secretKey: name,
            remoteRef: {
              key: ref.key,
              ...(ref.property !== undefined ? { property: ref.property } : {}),
              ...(ref.version !== undefined ? { version: ref.version } : {}),
            },
          },
        ];
      }),
    },
  };
}

/** The annotation sealed-secrets reads a non-strict scope from (pkg/apis/sealedsecrets/v1alpha1). */
const SCOPE_ANNOTATIONS: Readonly<Record<string, string>> = {
  "namespace-wide": "sealedsecrets.bitnami.com/namespace-wide",
  "cluster-wide": "sealedsecrets.bitnami.com/cluster-wide",
};

export function sealedSecret(mode: SealedSecretModeSpec): SealedSecret {
  const encrypted = mode.encryptedData as Readonly<Record<string, string | undefined>>;
  const scope = SCOPE_ANNOTATIONS[mode.scope ?? SEALED_SECRET_DEFAULT_SCOPE];
  // The controller decrypts with the scope annotated on the SealedSecret itself; kubeseal also
  // writes it into the template (its re-sealing reads it there), so both carry it.
  const annotations = scope !== undefined ? { annotations: { [scope]: "true" } } : {};
  return {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: { name: NAMES.secret, labels: sharedLabels(), ...annotations },
    spec: {
      encryptedData: Object.fromEntries(VARIABLE_ORDER.flatMap((name) => (encrypted[name] !== undefined ? [[name, encrypted[name]]] : []))),
      template: { metadata: { name: NAMES.secret, labels: sharedLabels(), ...annotations }, type: "Opaque" },
    },
  };
}
