import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Container, PersistentVolumeClaim, PodSecurityContext, Probe, SecurityContext, Service, ServiceAccount } from "kubernetes-types/core/v1.js";
import { ARGUSAI_COMPONENTS, componentOf, resourceRequirements, type ArgusComponent, type ComponentDefinition, type ComponentRegistry } from "./components.js";
import { componentLabels, selectorLabels, sharedLabels } from "./labels.js";
import { ARGOCD_SYNC_OPTIONS } from "../kubernetes/names.js";

/** A Kubernetes object as far as kustomize cares: it has a kind, an apiVersion and a name. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/**
 * One resource of the base: the file it is written to (relative to `base/`), the typed object,
 * and, for workloads, the names of its containers as a type, so a patch can only address a
 * container that exists.
 */
export interface Modeled<T extends KubeObject, C extends string = never> {
  readonly file: string;
  readonly object: T;
  readonly containerNames: readonly C[];
}

/** Names of the objects the components share; overlays and patches refer to these, never to rendered names. */
export const NAMES = {
  serviceAccount: "argusai",
  config: "argusai-config",
  secret: "argusai-secrets",
  data: "argusai-data",
  ingress: "argusai",
} as const;

/** Keys of `argusai-config` in the base; environments merge their own values over these. */
export const BASE_CONFIG: Readonly<Record<string, string>> = {
  DATABASE_URL: "sqlite:////app/data/app.db",
  DEBUG: "false",
  LOG_LEVEL: "INFO",
};

/** The annotation Argo CD reads per-resource sync options from (re-exported from its home). */
export { ARGOCD_SYNC_OPTIONS };

/** The data volume's size in the base. */
export const BASE_STORAGE_SIZE = "10Gi";

/** The base's resources and generators, as typed data, derived from a component registry. */
export interface ArgusBase<C extends string = ArgusComponent> {
  /** The registry the base was built from. */
  readonly components: ComponentRegistry<C>;
  /** One Deployment per component, whose only container has the component's name. */
  readonly workloads: { readonly [K in C]: Modeled<Deployment, K> };
  /** A ClusterIP Service per component that has a port. */
  readonly services: { readonly [K in C]?: Modeled<Service> };
  readonly data: Modeled<PersistentVolumeClaim>;
  readonly serviceAccount: Modeled<ServiceAccount>;
  /** Literals of the `argusai-config` configMapGenerator (hash-suffixed, so a change rolls the pods). */
  readonly config: Readonly<Record<string, string>>;
}

/** Pod-level hardening for the Pod Security Standards "restricted" profile. */
function restrictedPodSecurity(user: ComponentDefinition["user"]): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user.runAsUser,
    ...(user.fsGroup !== undefined
      ? // OnRootMismatch: the kubelet chowns the volume only when its root is not already the
        // pod's group, instead of walking every thumbnail and frame on every start.
        { fsGroup: user.fsGroup, fsGroupChangePolicy: "OnRootMismatch" }
      : {}),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level hardening for the Pod Security Standards "restricted" profile. */
function restrictedContainerSecurity(): SecurityContext {
  return { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } };
}

function probes(component: ComponentDefinition): Pick<Container, "livenessProbe" | "readinessProbe" | "startupProbe"> {
  const { action, startup } = component.probes;
  if ("httpGet" in action && component.port === undefined) throw new Error(`component "${component.name}" has an HTTP probe but no port`);
  const handler = (timing: Omit<Probe, "httpGet" | "exec">): Probe =>
    "httpGet" in action
      ? { httpGet: { path: action.httpGet.path, port: component.port! }, ...timing }
      : { exec: { command: [...action.exec.command] }, ...timing };
  return {
    ...(startup !== undefined ? { startupProbe: handler({ periodSeconds: startup.periodSeconds, failureThreshold: startup.failureThreshold }) } : {}),
    livenessProbe: handler({ initialDelaySeconds: component.probes.livenessInitialDelaySeconds, periodSeconds: component.probes.livenessPeriodSeconds }),
    readinessProbe: handler({ initialDelaySeconds: component.probes.readinessInitialDelaySeconds }),
  };
}

function deployment<C extends string>(registry: ComponentRegistry<C>, component: ComponentDefinition<C>): Deployment {
  const labels = componentLabels(component.name);
  const service = (name: string) => {
    const target = componentOf(registry, name);
    if (target.port === undefined) throw new Error(`component "${name}" has no port, so no Service to point at`);
    return { host: target.deploymentName, port: target.port };
  };
  const env = component.env?.(service) ?? [];
  const container: Container = {
    name: component.name,
    image: `${component.imageRepository}:latest`,
    imagePullPolicy: "IfNotPresent",
    ...(component.port !== undefined ? { ports: [{ name: "http", containerPort: component.port, protocol: "TCP" }] } : {}),
    ...(component.readsConfig ? { envFrom: [{ configMapRef: { name: NAMES.config } }, { secretRef: { name: NAMES.secret } }] } : {}),
    ...(env.length > 0 ? { env: env.map((variable) => ({ ...variable })) } : {}),
    resources: resourceRequirements(component),
    ...probes(component),
    securityContext: restrictedContainerSecurity(),
    ...(component.dataMountPath !== undefined ? { volumeMounts: [{ name: "data", mountPath: component.dataMountPath }] } : {}),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: component.deploymentName, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(component.name) },
      // A single writer is never RollingUpdate: the new pod would start while the old one still
      // writes (two writers on one SQLite file), and a surge pod on another node can never attach
      // the ReadWriteOnce volume, so the rollout deadlocks. Recreate stops the old pod first.
      strategy: component.singleWriter ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAMES.serviceAccount,
          automountServiceAccountToken: false,
          ...(component.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: component.terminationGracePeriodSeconds } : {}),
          securityContext: restrictedPodSecurity(component.user),
          containers: [container],
          ...(component.dataMountPath !== undefined ? { volumes: [{ name: "data", persistentVolumeClaim: { claimName: NAMES.data } }] } : {}),
        },
      },
    },
  };
}

function clusterIpService(component: ComponentDefinition & { port: number }): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: component.deploymentName, labels: componentLabels(component.name) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(component.name),
      ports: [{ name: "http", port: component.port, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * Builds the base from a component registry: a Deployment per component with the values the
 * application needs to run (probe paths, ports, users, resources), a Service per component with a port, the data
 * PVC, the ServiceAccount and the config generator. Pure data; nothing is written.
 *
 * @example
 * const base = argusBase();
 * base.workloads.backend.object.spec?.strategy?.type; // "Recreate"
 */
export function argusBase(): ArgusBase;
export function argusBase<C extends string>(components: ComponentRegistry<C>): ArgusBase<C>;
export function argusBase(components: ComponentRegistry = ARGUSAI_COMPONENTS): ArgusBase<string> {
  const workloads: Record<string, Modeled<Deployment, string>> = {};
  const services: Record<string, Modeled<Service>> = {};
  // The volume is labelled as part of the component that mounts it (the backend's database).
  const dataOwner = components.find((component) => component.dataMountPath !== undefined);
  for (const component of components) {
    workloads[component.name] = { file: `${component.name}-deployment.yaml`, object: deployment(components, component), containerNames: [component.name] };
    if (component.port !== undefined) {
      services[component.name] = {
        file: `${component.name}-service.yaml`,
        object: clusterIpService({ ...component, port: component.port }),
        containerNames: [],
      };
    }
  }
  return {
    components,
    workloads,
    services,
    data: {
      file: "data-pvc.yaml",
      object: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: NAMES.data,
          labels: dataOwner !== undefined ? componentLabels(dataOwner.name) : sharedLabels(),
          // The database lives here. Argo CD must neither prune it (when it leaves the rendered
          // tree) nor delete it with the Application; only a person deletes data.
          annotations: { [ARGOCD_SYNC_OPTIONS]: "Prune=false,Delete=false" },
        },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: BASE_STORAGE_SIZE } } },
      },
      containerNames: [],
    },
    serviceAccount: {
      file: "serviceaccount.yaml",
      object: {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: NAMES.serviceAccount, labels: sharedLabels() },
        automountServiceAccountToken: false,
      },
      containerNames: [],
    },
    config: BASE_CONFIG,
  };
}

/** Every resource of the base, in the order they are listed in `base/kustomization.yaml`. */
export function baseResources(base: ArgusBase<string>): ReadonlyArray<Modeled<KubeObject, string>> {
  return [
    base.serviceAccount,
    base.data,
    ...base.components.flatMap((component) => {
      const service = base.services[component.name];
      return [base.workloads[component.name]!, ...(service !== undefined ? [service] : [])];
    }),
  ];
}
