/**
 * The shipped JSON Schema and the validator judge the same documents the same way, wherever JSON
 * Schema can say the rule: each document below goes through validateEnvironment and through Ajv
 * (draft 2020-12, the dialect zod emits) compiled from environmentJsonSchema(). Documents only the
 * validator refuses are listed apart, each with the rule the reference names as beyond the JSON
 * Schema, so a gap is documented, never silent.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { KUBERNETES_RULES } from "../../src/kubernetes/catalog.js";
import { environmentJsonSchema } from "../../src/model/environment-json-schema.js";
import { ENVIRONMENT_RULES } from "../../src/model/environment-rules.js";
import { validateEnvironment } from "../../src/model/environment-spec.js";

const ajv = new Ajv2020({ allErrors: true, strict: false });
const jsonSchemaAccepts = ajv.compile(environmentJsonSchema());
const base = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };
const prod = { ...base, production: true, images: { backend: { tag: "1.4.2" }, frontend: { digest: `sha256:${"a".repeat(64)}` } } };
const egress = (allowCidrs: unknown[]) => ({ networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs } } });
const tolerations = (list: unknown[]) => ({ scheduling: { frontend: { tolerations: list } } });
const route = (change: Record<string, unknown>) => ({
  httpRoute: { parentRefs: [{ name: "public", namespace: "gateways", sectionName: "https" }], hostnames: ["argus.example.com"], ...change },
});
const external = (change: Record<string, unknown>) => ({
  secret: {
    mode: "externalSecret",
    store: { name: "vault" },
    data: { ENCRYPTION_KEY: { key: "argusai/encryption" }, JWT_SECRET_KEY: { key: "argusai", property: "jwt" } },
    ...change,
  },
});
const sealed = (change: Record<string, unknown>) => ({
  secret: { mode: "sealedSecret", encryptedData: { ENCRYPTION_KEY: "QUJDRA==", JWT_SECRET_KEY: "QUJD" }, ...change },
});

const GOOD: Array<[string, Record<string, unknown>]> = [
  ["the minimal environment", base],
  ["a production environment with pinned images", prod],
  ["an image by repository only", { images: { backend: { repository: "ghcr.io/acme/argusai-backend" } } }],
  ["a budget with minAvailable", { disruptionBudgets: { frontend: { minAvailable: 1 }, backend: { maxUnavailable: "50%" } }, replicas: { frontend: 2 } }],
  ["storage 1Ei", { storage: { size: "1Ei" } }],
  ["storage +5Gi", { storage: { size: "+5Gi" } }],
  ["a wildcard host", { ingress: { host: "*.example.com" } }],
  ["the frontend autoscaled", { autoscaling: { frontend: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 60 } } }],
  ["CIDRs and an ipBlock", egress(["10.0.0.0/8", "2001:db8::/32", { cidr: "192.168.0.0/16", except: ["192.168.1.0/24"] }])],
  ["tolerations", tolerations([{ operator: "Exists" }, { key: "dedicated", value: "argusai", effect: "NoExecute", tolerationSeconds: 60 }])],
  ["kube-system without a Namespace", { namespace: "kube-system", createNamespace: false }],
  ["Argo CD with an existing Secret", { argocd: { enabled: true } }],
  ["the backend at one replica", { replicas: { backend: 1, frontend: 3 } }],
  ["an annotation key with uppercase", { services: { annotations: { "Example.COM/Team": "x" } } }],
  ["an HTTPRoute on a Gateway listener, with timeouts", route({ timeouts: { upload: "10m", websocket: "0s" }, exposeMetrics: true })],
  [
    "an HTTPRoute on two listeners of one Gateway",
    route({
      parentRefs: [
        { name: "public", sectionName: "http" },
        { name: "public", sectionName: "https" },
      ],
    }),
  ],
  [
    "a Gateway namespace beside the ingress controller's",
    { networkPolicy: { ingressControllerNamespace: "ingress-nginx", gatewayNamespace: "envoy-gateway-system" } },
  ],
  ["an ExternalSecret from a ClusterSecretStore", external({ store: { name: "vault", kind: "ClusterSecretStore" }, refreshInterval: "1h30m" })],
  ["production with an ExternalSecret", { ...prod, ...external({}) }],
  ["a SealedSecret sealed namespace-wide", sealed({ scope: "namespace-wide" })],
  ["production with a SealedSecret", { ...prod, ...sealed({}) }],
  [
    "monitoring, tuned, behind a NetworkPolicy that lets Prometheus in",
    {
      monitoring: {
        labels: { release: "kube-prometheus-stack" },
        interval: "30s",
        scrapeTimeout: "10s",
        alertLabels: { team: "ml" },
        alerts: { ArgusAIBackendDown: { for: "2m", severity: "page" } },
      },
      networkPolicy: { ingressControllerNamespace: "ingress-nginx", monitoringNamespace: "monitoring" },
    },
  ],
];

const BAD: Array<[string, Record<string, unknown>]> = [
  ["images.backend: {}", { images: { backend: {} } }],
  ["an image with a tag and a digest", { images: { backend: { tag: "1.0", digest: `sha256:${"b".repeat(64)}` } } }],
  ["a budget with both", { disruptionBudgets: { frontend: { minAvailable: 1, maxUnavailable: 1 } } }],
  ["a budget with neither", { disruptionBudgets: { frontend: {} } }],
  ["storage.size -5Gi", { storage: { size: "-5Gi" } }],
  ["storage.size 10GB", { storage: { size: "10GB" } }],
  ["autoscaling.backend (a single writer)", { autoscaling: { backend: { minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 50 } } }],
  ["replicas.backend 2 (a single writer)", { replicas: { backend: 2 } }],
  [
    "replicas beside an autoscaler",
    { replicas: { frontend: 2 }, autoscaling: { frontend: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 60 } } },
  ],
  ["production with latest", { ...prod, images: { backend: { tag: "latest" }, frontend: { tag: "1.0" } } }],
  ["production without images", { ...base, production: true }],
  ["production with a generated Secret", { ...prod, secret: { mode: "generated" } }],
  ["Argo CD with a generated Secret", { secret: { mode: "generated" }, argocd: { enabled: true } }],
  ["kube-system owned", { namespace: "kube-system" }],
  ["an IP address as host", { ingress: { host: "10.0.0.1" } }],
  ["a wildcard in the middle of a host", { ingress: { host: "a.*.example.com" } }],
  ["an uppercase host", { ingress: { host: "Argus.example.com" } }],
  ["CIDR 10.0.0.0/33", egress(["10.0.0.0/33"])],
  ["CIDR 300.1.2.3/8", egress(["300.1.2.3/8"])],
  ["CIDR fe80::/200", egress(["fe80::/200"])],
  ["tolerationSeconds with NoSchedule", tolerations([{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }])],
  ["Exists with a value", tolerations([{ key: "a", operator: "Exists", value: "b" }])],
  ["an empty key with Equal", tolerations([{ key: "", operator: "Equal", value: "b" }])],
  ["no key and no operator", tolerations([{ value: "b" }])],
  ["a bad toleration value", tolerations([{ key: "a", value: "not valid" }])],
  ["a bad label value", { services: { labels: { team: "data science" } } }],
  ["a bad label key", { services: { labels: { "-team": "x" } } }],
  ["an unknown field", { replica: 2 }],
  ["a name with uppercase", { name: "Staging" }],
  ["a patch on the root path", { patches: [{ target: { kind: "Deployment", name: "argusai-backend" }, operations: [{ op: "remove", path: "" }] }] }],
  ["an HTTPRoute without hostnames", route({ hostnames: [] })],
  ["an IP address as HTTPRoute hostname", route({ hostnames: ["10.0.0.1"] })],
  ["an HTTPRoute on no Gateway", route({ parentRefs: [] })],
  ["a timeout that is no Gateway API duration", route({ timeouts: { upload: "5 minutes" } })],
  ["an uppercase Gateway namespace", { networkPolicy: { ingressControllerNamespace: "ingress-nginx", gatewayNamespace: "Gateways" } }],
  ["an ExternalSecret without JWT_SECRET_KEY", external({ data: { ENCRYPTION_KEY: { key: "argusai/encryption" } } })],
  ["an ExternalSecret with a refreshInterval in words", external({ refreshInterval: "1 hour" })],
  ["an ExternalSecret with no store", { secret: { mode: "externalSecret", data: { ENCRYPTION_KEY: { key: "a" }, JWT_SECRET_KEY: { key: "b" } } } }],
  ["a SealedSecret with a plain value", sealed({ encryptedData: { ENCRYPTION_KEY: "not sealed!", JWT_SECRET_KEY: "QUJD" } })],
  ["a SealedSecret with an unknown scope", sealed({ scope: "global" })],
  ["a SealedSecret with an unknown variable", sealed({ encryptedData: { ENCRYPTION_KEY: "QUJD", JWT_SECRET_KEY: "QUJD", OTHER: "QUJD" } })],
  ["monitoring with a bad interval", { monitoring: { interval: "30 seconds" } }],
  ["an alert label named severity", { monitoring: { alertLabels: { severity: "page" } } }],
  ["an alert that does not exist", { monitoring: { alerts: { ArgusAIBackendGone: { enabled: false } } } }],
  ["monitoring behind a NetworkPolicy without a monitoring namespace", { monitoring: {}, networkPolicy: { ingressControllerNamespace: "ingress-nginx" } }],
];

/** Refused by the validator only: each names the rule (listed in the reference) JSON Schema cannot say. */
const VALIDATOR_ONLY: Array<[string, Record<string, unknown>, string]> = [
  ["a request above its limit", { resources: { frontend: { requests: { cpu: "2" }, limits: { cpu: "1" } } } }, "requests-within-limits"],
  ["a budget blocking every drain", { disruptionBudgets: { backend: { minAvailable: "50%" } } }, "disruption-budget-allows-drain"],
  ["a ConfigMap over 1 MiB", { config: { BIG: "x".repeat(1024 * 1024) } }, "config-map-size"],
  ["bits set after the prefix", egress(["10.0.0.1/8"]), "cidr-canonical"],
  ["an except entry outside its cidr", egress([{ cidr: "10.0.0.0/8", except: ["11.0.0.0/16"] }]), "cidr-except-subset"],
  ["annotations over 256 KiB", { services: { annotations: { a: "x".repeat(262_144) } } }, "annotations-size"],
  [
    "nodeSelectorTerms: []",
    { scheduling: { frontend: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } } } },
    "node-affinity",
  ],
  [
    "a pod affinity term without topologyKey",
    { scheduling: { frontend: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{}] } } } } },
    "pod-affinity",
  ],
  ["a quantity too large", { storage: { size: "8Ei" } }, "quantity"],
  ["a fraction of a byte", { storage: { size: "500m" } }, "quantity"],
  ["the same Gateway twice without sectionNames", route({ parentRefs: [{ name: "public" }, { name: "public" }] }), "http-route-distinct-sections"],
  [
    "the same Gateway listener twice",
    route({
      parentRefs: [
        { name: "public", sectionName: "https" },
        { name: "public", sectionName: "https" },
      ],
    }),
    "http-route-distinct-sections",
  ],
  ["a scrapeTimeout above the interval", { monitoring: { interval: "15s", scrapeTimeout: "30s" } }, "monitoring-scrape-timeout"],
  ["maxReplicas below minReplicas", { autoscaling: { frontend: { minReplicas: 3, maxReplicas: 2, targetCPUUtilizationPercentage: 50 } } }, "autoscaling-range"],
];

describe("the JSON Schema and the validator agree", () => {
  it.each(GOOD)("both accept %s", (_, change) => {
    const document = { ...base, ...change };
    expect(validateEnvironment(document)).toEqual([]);
    expect(jsonSchemaAccepts(document), JSON.stringify(jsonSchemaAccepts.errors)).toBe(true);
  });

  it.each(BAD)("both refuse %s", (_, change) => {
    const document = { ...base, ...change };
    expect(validateEnvironment(document)).not.toEqual([]);
    expect(jsonSchemaAccepts(document)).toBe(false);
  });

  it.each(VALIDATOR_ONLY)("only the validator refuses %s, by a rule the reference lists as beyond the JSON Schema (%s)", (_, change, rule) => {
    const document = { ...base, ...change };
    expect(validateEnvironment(document)).not.toEqual([]);
    expect(jsonSchemaAccepts(document)).toBe(true);
    const crossField = ENVIRONMENT_RULES.find((candidate) => candidate.id === rule);
    if (crossField !== undefined) expect(crossField.jsonSchema).toBeUndefined();
    else expect(KUBERNETES_RULES.map((candidate) => candidate.id)).toContain(rule);
  });
});
