import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { Ingress, NetworkPolicy, NetworkPolicyPeer } from "kubernetes-types/networking/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { POD_SECURITY_LABELS } from "../kubernetes/names.js";
import { NAMES } from "../model/base.js";
import type { ComponentDefinition } from "../model/components.js";
import type { AutoscalingSpec, DisruptionBudgetSpec, NetworkPolicySpec } from "../model/environment-options.js";
import type { EnvironmentSpec } from "../model/environment-spec.js";
import { componentLabels, selectorLabels, sharedLabels } from "../model/labels.js";
import { KEEP_SYNC_OPTIONS, SYNC_OPTIONS_ANNOTATION } from "../model/argocd-protection.js";

/*
 * The objects an overlay adds to the base: its Namespace, and per component a disruption budget,
 * an autoscaler, a NetworkPolicy; and one Ingress for the environment.
 */

// Re-exported for the modules that imported it from here.
export { POD_SECURITY_LABELS };

/**
 * The Namespace an overlay owns. Deleting it deletes everything in it: the data volume and the
 * Secret made outside the tree. So, like the PVC, Argo CD must neither prune it (when it leaves
 * the overlay: createNamespace turned false) nor delete it with the Application.
 */
export function namespace(name: string): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { ...sharedLabels(), ...POD_SECURITY_LABELS }, annotations: { [SYNC_OPTIONS_ANNOTATION]: KEEP_SYNC_OPTIONS } },
  };
}

export function disruptionBudget(component: ComponentDefinition, budget: DisruptionBudgetSpec): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: component.deploymentName, labels: componentLabels(component.name) },
    spec: {
      ...(budget.minAvailable !== undefined ? { minAvailable: budget.minAvailable } : {}),
      ...(budget.maxUnavailable !== undefined ? { maxUnavailable: budget.maxUnavailable } : {}),
      selector: { matchLabels: selectorLabels(component.name) },
    },
  };
}

export function autoscaler(component: ComponentDefinition, autoscaling: AutoscalingSpec): HorizontalPodAutoscaler {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: component.deploymentName, labels: componentLabels(component.name) },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: component.deploymentName },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCPUUtilizationPercentage } } },
      ],
    },
  };
}

/**
 * ingress-nginx settings upstream's own Ingress uses: WebSockets (/ws) stay open for an hour
 * instead of nginx's 60 s, and uploads up to 50 MB pass. Given only for className nginx; the
 * environment's own annotations win.
 */
const NGINX_DEFAULT_ANNOTATIONS: Readonly<Record<string, string>> = {
  "nginx.ingress.kubernetes.io/proxy-body-size": "50m",
  "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
  "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
};

/** One host for every component: their routes (from the registry), each to the component's Service. */
export function ingress(components: readonly ComponentDefinition[], spec: EnvironmentSpec<string>): Ingress {
  const { host, tlsSecretName, className, exposeMetrics, annotations, labels } = spec.ingress ?? { host: "" };
  // One host for everything: the frontend image is built with NEXT_PUBLIC_API_URL="" (relative
  // URLs), so the browser reaches the API, the WebSocket and the docs on the host it loaded from.
  const paths = components.flatMap((component) =>
    (component.routes ?? [])
      .filter((route) => route.optIn === undefined || (route.optIn === "metrics" && exposeMetrics === true))
      .map((route) => ({ path: route.path, pathType: "Prefix", backend: { service: { name: component.deploymentName, port: { name: "http" } } } })),
  );
  const allAnnotations = { ...(className === "nginx" ? NGINX_DEFAULT_ANNOTATIONS : {}), ...annotations };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: NAMES.ingress,
      labels: { ...labels, ...sharedLabels() },
      ...(Object.keys(allAnnotations).length > 0 ? { annotations: sortedRecord(allAnnotations) } : {}),
    },
    spec: {
      ...(className !== undefined ? { ingressClassName: className } : {}),
      ...(tlsSecretName !== undefined ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
      rules: [{ host, http: { paths } }],
    },
  };
}

/**
 * A NetworkPolicy per component: ingress only from the components the registry lets call it, and,
 * for a component with routes, from the ingress controller's namespace, on its `http` port (a
 * component without a port accepts nothing). Egress stays open unless restricted, since the backend
 * calls AI APIs and cameras; restricted, it keeps DNS, the environment's own pods and the CIDRs given.
 */
export function networkPolicy(components: readonly ComponentDefinition[], component: ComponentDefinition, policy: NetworkPolicySpec): NetworkPolicy {
  const callers: NetworkPolicyPeer[] = components
    .filter((caller) => component.reachableFrom?.includes(caller.name) === true)
    .map((caller) => ({ podSelector: { matchLabels: selectorLabels(caller.name) } }));
  if ((component.routes ?? []).length > 0) {
    callers.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": policy.ingressControllerNamespace } } });
  }
  // The Gateway's proxies forward the HTTPRoute's traffic; during a move from an Ingress both
  // controllers must reach the pods, or one of the two paths fails.
  if ((component.routes ?? []).length > 0 && policy.gatewayNamespace !== undefined && policy.gatewayNamespace !== policy.ingressControllerNamespace) {
    callers.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": policy.gatewayNamespace } } });
  }
  const admitted = callers.map((caller) => caller.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);
  if (policy.monitoringNamespace !== undefined && !admitted.includes(policy.monitoringNamespace)) {
    callers.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": policy.monitoringNamespace } } });
  }
  const ingressRules = component.port !== undefined && callers.length > 0 ? [{ from: callers, ports: [{ port: "http", protocol: "TCP" }] }] : [];
  const egress = policy.egress;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: component.deploymentName, labels: componentLabels(component.name) },
    spec: {
      podSelector: { matchLabels: selectorLabels(component.name) },
      policyTypes: egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"],
      ingress: ingressRules,
      ...(egress !== undefined
        ? {
            egress: [
              {
                to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                  { port: 53, protocol: "UDP" },
                  { port: 53, protocol: "TCP" },
                ],
              },
              { to: [{ podSelector: {} }] },
              ...(egress.allowCidrs.length > 0
                ? [
                    {
                      to: egress.allowCidrs.map((entry) => ({
                        ipBlock: typeof entry === "string" ? { cidr: entry } : { cidr: entry.cidr, except: [...entry.except] },
                      })),
                    },
                  ]
                : []),
            ],
          }
        : {}),
    },
  };
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]!]),
  );
}
