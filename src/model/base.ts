import type { Deployment } from "kubernetes-types/apps/v1.js";
import type {
  Container,
  PersistentVolumeClaim,
  PodSecurityContext,
  Probe,
  SecurityContext,
  Service,
  ServiceAccount,
} from "kubernetes-types/core/v1.js";
import { componentLabels, selectorLabels, sharedLabels, type Component } from "./labels.js";

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

/** Names of every object in the base; overlays and patches refer to these, never to rendered names. */
export const NAMES = {
  backend: "argusai-backend",
  frontend: "argusai-frontend",
  serviceAccount: "argusai",
  config: "argusai-config",
  secret: "argusai-secrets",
  data: "argusai-data",
} as const;

/** Image repositories, without tag: the `name` an overlay's `images:` entry must match. */
export const IMAGE_REPOSITORIES: Readonly<Record<Component, string>> = {
  backend: "ghcr.io/bbengt1/argusai-backend",
  frontend: "ghcr.io/bbengt1/argusai-frontend",
};

/** The port each component listens on, named `http` in the container and the Service. */
export const PORTS: Readonly<Record<Component, number>> = { backend: 8000, frontend: 3000 };

/** Where the backend keeps its SQLite database, thumbnails, frames and certs. */
export const DATA_MOUNT_PATH = "/app/data";

/** Keys of `argusai-config` in the base; environments merge their own values over these. */
export const BASE_CONFIG: Readonly<Record<string, string>> = {
  DATABASE_URL: `sqlite:///${DATA_MOUNT_PATH}/app.db`,
  DEBUG: "false",
  LOG_LEVEL: "INFO",
};

/** The base's resources and generators, as typed data. */
export interface ArgusBase {
  readonly backend: Modeled<Deployment, "backend">;
  readonly frontend: Modeled<Deployment, "frontend">;
  readonly backendService: Modeled<Service>;
  readonly frontendService: Modeled<Service>;
  readonly data: Modeled<PersistentVolumeClaim>;
  readonly serviceAccount: Modeled<ServiceAccount>;
  /** Literals of the `argusai-config` configMapGenerator (hash-suffixed, so a change rolls the pods). */
  readonly config: Readonly<Record<string, string>>;
}

/** Pod-level hardening for the Pod Security Standards "restricted" profile. */
function restrictedPodSecurity(runAsUser: number, fsGroup?: number): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser,
    ...(fsGroup !== undefined ? { fsGroup } : {}),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level hardening for the Pod Security Standards "restricted" profile. */
function restrictedContainerSecurity(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
  };
}

function httpProbe(path: string, port: number, timing: Omit<Probe, "httpGet">): Probe {
  return { httpGet: { path, port }, ...timing };
}

/** The probes of the story: liveness after 15 s every 20 s, readiness after 5 s. */
function storyProbes(path: string, port: number): Pick<Container, "livenessProbe" | "readinessProbe"> {
  return {
    livenessProbe: httpProbe(path, port, { initialDelaySeconds: 15, periodSeconds: 20 }),
    readinessProbe: httpProbe(path, port, { initialDelaySeconds: 5 }),
  };
}

function deployment(
  component: Component,
  podSpec: NonNullable<NonNullable<Deployment["spec"]>["template"]["spec"]>,
  strategy: NonNullable<Deployment["spec"]>["strategy"],
): Deployment {
  const labels = componentLabels(component);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: NAMES[component], labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(component) },
      strategy,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAMES.serviceAccount,
          automountServiceAccountToken: false,
          ...podSpec,
        },
      },
    },
  };
}

const BACKEND_HEALTH_PATH = "/api/v1/system/health";

function backendDeployment(): Deployment {
  return deployment(
    "backend",
    {
      securityContext: restrictedPodSecurity(1000, 1000),
      containers: [
        {
          name: "backend",
          image: `${IMAGE_REPOSITORIES.backend}:latest`,
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: PORTS.backend, protocol: "TCP" }],
          envFrom: [{ configMapRef: { name: NAMES.config } }, { secretRef: { name: NAMES.secret } }],
          resources: {
            requests: { memory: "512Mi", cpu: "250m" },
            limits: { memory: "1Gi", cpu: "1000m" },
          },
          // The backend loads its models before it answers; the startup probe gives it up to
          // 5 minutes without stretching the liveness probe that guards it afterwards.
          startupProbe: httpProbe(BACKEND_HEALTH_PATH, PORTS.backend, { periodSeconds: 10, failureThreshold: 30 }),
          ...storyProbes(BACKEND_HEALTH_PATH, PORTS.backend),
          securityContext: restrictedContainerSecurity(),
          volumeMounts: [{ name: "data", mountPath: DATA_MOUNT_PATH }],
        },
      ],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: NAMES.data } }],
    },
    // Not RollingUpdate: the backend is the single writer of a SQLite file on a ReadWriteOnce
    // volume. A rolling update starts the new pod while the old one still runs (two writers on one
    // file), and a surge pod scheduled on another node can never attach the volume, so the rollout
    // deadlocks. Recreate stops the old pod before the new one starts.
    { type: "Recreate" },
  );
}

function frontendDeployment(): Deployment {
  const backendUrl = `${NAMES.backend}:${PORTS.backend}`;
  return deployment(
    "frontend",
    {
      securityContext: restrictedPodSecurity(1001),
      containers: [
        {
          name: "frontend",
          image: `${IMAGE_REPOSITORIES.frontend}:latest`,
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: PORTS.frontend, protocol: "TCP" }],
          // The backend Service's short name resolves inside the namespace the overlay puts both in.
          env: [
            { name: "NEXT_PUBLIC_API_URL", value: `http://${backendUrl}` },
            { name: "NEXT_PUBLIC_WS_URL", value: `ws://${backendUrl}` },
          ],
          resources: {
            requests: { memory: "256Mi", cpu: "100m" },
            limits: { memory: "512Mi", cpu: "500m" },
          },
          ...storyProbes("/", PORTS.frontend),
          securityContext: restrictedContainerSecurity(),
        },
      ],
    },
    { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  );
}

function clusterIpService(component: Component): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: NAMES[component], labels: componentLabels(component) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(component),
      ports: [{ name: "http", port: PORTS[component], targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * Builds the ArgusAI base: both Deployments with every value of the story, their Services, the
 * data PVC, the ServiceAccount and the config generator. Pure data; nothing is written.
 *
 * @example
 * const base = argusBase();
 * base.backend.object.spec?.strategy?.type; // "Recreate"
 */
export function argusBase(): ArgusBase {
  return {
    backend: { file: "backend-deployment.yaml", object: backendDeployment(), containerNames: ["backend"] },
    frontend: { file: "frontend-deployment.yaml", object: frontendDeployment(), containerNames: ["frontend"] },
    backendService: { file: "backend-service.yaml", object: clusterIpService("backend"), containerNames: [] },
    frontendService: { file: "frontend-service.yaml", object: clusterIpService("frontend"), containerNames: [] },
    data: {
      file: "data-pvc.yaml",
      object: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: NAMES.data, labels: componentLabels("backend") },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
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
export function baseResources(base: ArgusBase): ReadonlyArray<Modeled<KubeObject, string>> {
  return [base.serviceAccount, base.data, base.backend, base.backendService, base.frontend, base.frontendService];
}
