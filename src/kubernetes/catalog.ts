/*
 * The Kubernetes rules mirrored here, as data: which environment fields each applies to, what it
 * demands, where upstream it comes from, and, for a rule Kubernetes does not have, why it is
 * ours. The field reference lists them (they are what the JSON Schema's patterns cannot say in
 * full), so the list and the rules live side by side.
 */

/** One mirrored rule. */
export interface KubernetesRule {
  readonly id: string;
  /** The environment fields it applies to (dotted, `*` for any key or component). */
  readonly fields: readonly string[];
  readonly summary: string;
  /** The upstream function (and package) it mirrors; absent for a rule of ours. */
  readonly upstream?: string;
  /** Why we have a rule Kubernetes does not: present only for ours. */
  readonly ours?: string;
}

export const KUBERNETES_RULES: readonly KubernetesRule[] = [
  {
    id: "qualified-name",
    fields: ["*.labels.*", "*.annotations.*", "scheduling.*.nodeSelector.*", "scheduling.*.tolerations.*.key"],
    summary:
      "A label or annotation key: an optional DNS-1123 subdomain prefix of at most 253 characters and '/', then a name of at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit. Annotation keys are checked lowercased.",
    upstream: "IsQualifiedName / content.IsLabelKey (apimachinery), ValidateAnnotations",
  },
  {
    id: "label-value",
    fields: ["*.labels.*", "scheduling.*.nodeSelector.*", "scheduling.*.tolerations.*.value"],
    summary: "A label value: empty, or at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit.",
    upstream: "IsValidLabelValue (apimachinery)",
  },
  {
    id: "annotations-size",
    fields: ["*.annotations"],
    summary: "The annotations of one object, keys and values together, hold at most 256 KiB, counted in bytes of UTF-8.",
    upstream: "ValidateAnnotations, TotalAnnotationSizeLimitB (apimachinery)",
  },
  {
    id: "dns-names",
    fields: [
      "name",
      "namespace",
      "imagePullSecrets.*",
      "ingress.tlsSecretName",
      "ingress.className",
      "storage.className",
      "scheduling.*.priorityClassName",
      "networkPolicy.*Namespace",
    ],
    summary: "Names are DNS-1123 labels (at most 63) or subdomains (at most 253): lowercase letters, digits, '-' (and '.' between labels).",
    upstream: "IsDNS1123Label, IsDNS1123Subdomain (apimachinery); NameIsDNSSubdomain for Secrets, classes and PriorityClasses",
  },
  {
    id: "ingress-host",
    fields: ["ingress.host"],
    summary: "A DNS-1123 subdomain, or a wildcard as the whole first label followed by one (*.example.com); never an IP address.",
    upstream: "validateIngressRules (networking), IsWildcardDNS1123Subdomain (apimachinery)",
  },
  {
    id: "cidr",
    fields: ["networkPolicy.egress.allowCidrs.*", "networkPolicy.egress.allowCidrs.*.cidr", "networkPolicy.egress.allowCidrs.*.except.*"],
    summary: "An IPv4 address (parts up to 255) or IPv6 address, '/', and a prefix length of at most 32 or 128.",
    upstream: "ValidateIPBlock (networking), ParseCIDRSloppy (k8s.io/utils/net)",
  },
  {
    id: "cidr-except-subset",
    fields: ["networkPolicy.egress.allowCidrs.*.except.*"],
    summary: "Each except entry lies inside its cidr and is smaller than it.",
    upstream: "ValidateIPBlock (networking): must be a strict subset of cidr",
  },
  {
    id: "cidr-canonical",
    fields: ["networkPolicy.egress.allowCidrs.*"],
    summary: "No leading zeros in an IPv4 part, and no bits set after the prefix (10.0.0.1/8).",
    ours: "the API server only warns (GetWarningsForCIDR): leading zeros are read as decimal by Kubernetes and as octal by other tools, and it says it will refuse them; bits after the prefix are ambiguous, and the policy would silently mean the whole network",
  },
  {
    id: "tolerations",
    fields: ["scheduling.*.tolerations.*"],
    summary: "An empty key needs operator Exists; tolerationSeconds needs effect NoExecute; Exists takes no value; Equal takes a label value.",
    upstream: "ValidateTolerations (core)",
  },
  {
    id: "node-affinity",
    fields: ["scheduling.*.affinity.nodeAffinity"],
    summary:
      "Required node affinity holds at least one nodeSelectorTerm; In/NotIn need values, Exists/DoesNotExist take none, Gt/Lt exactly one; matchFields only on metadata.name with In/NotIn and one node name; preferred weights 1-100.",
    upstream: "ValidateNodeSelector, ValidateNodeSelectorRequirement, ValidateNodeFieldSelectorRequirement, ValidatePreferredSchedulingTerms (core)",
  },
  {
    id: "pod-affinity",
    fields: ["scheduling.*.affinity.podAffinity", "scheduling.*.affinity.podAntiAffinity"],
    summary:
      "Each term has a topologyKey (a qualified name), namespaces that are DNS labels, valid label selectors, and matchLabelKeys/mismatchLabelKeys only with a labelSelector, sharing no key with each other or with its expressions; weights 1-100.",
    upstream: "validatePodAffinityTerm, validateWeightedPodAffinityTerms (core), ValidateLabelSelector (apimachinery)",
  },
  {
    id: "quantity",
    fields: ["resources.*.*.cpu", "resources.*.*.memory", "storage.size"],
    summary:
      "The quantity grammar; a whole number of nano-units; at most 2^63-1 (the most a Quantity holds as written: 1Ei fits, 8Ei does not); memory and storage a whole number of bytes; CPU at most 2^63-1 thousandths; never negative; a storage size above zero.",
    upstream: "resource.ParseQuantity, MaxMilliQuantity (apimachinery); pkg/api/pod/warnings.go (fractional bytes); ValidateResourceQuantityValue (core)",
  },
  {
    id: "autoscaling-range",
    fields: ["autoscaling.*"],
    summary: "maxReplicas is at least minReplicas.",
    upstream: "validateHorizontalPodAutoscalerSpec (autoscaling)",
  },
  {
    id: "disruption-rounding",
    fields: ["disruptionBudgets.*.minAvailable"],
    summary:
      "A percentage is scaled against the expected pods and rounded up, as the disruption controller does (see the rule disruption-budget-allows-drain).",
    upstream: "GetScaledValueFromIntOrPercent(roundUp=true) in the disruption controller",
  },
];
