import type { ResourceRequirements } from "kubernetes-types/core/v1.js";

/*
 * The component registry: one definition per Deployment of the application. Everything that is
 * "per component" (the base's Deployments and Services, the environment schema's per-component
 * fields, the images check, the "did you mean" suggestions, the single-writer rules and the
 * policies that follow from them) is derived from this list, never spelled out per component.
 */

/** How a probe reaches the container: an HTTP GET on its port, or a command run inside it. */
export type ProbeAction = { readonly httpGet: { readonly path: string } } | { readonly exec: { readonly command: readonly string[] } };

/** The probes of a component; every component has liveness and readiness (a policy demands both). */
export interface ComponentProbes {
  readonly action: ProbeAction;
  /** Seconds before the first liveness probe. */
  readonly livenessInitialDelaySeconds: number;
  readonly livenessPeriodSeconds: number;
  /** Seconds before the first readiness probe. */
  readonly readinessInitialDelaySeconds: number;
  /**
   * A startup probe gating liveness while a slow start runs (periodSeconds × failureThreshold is
   * the start budget). Absent when the component starts fast.
   */
  readonly startup?: { readonly periodSeconds: number; readonly failureThreshold: number };
}

/** An Ingress route of a component: a path prefix sent to its Service. */
export interface ComponentRoute {
  readonly path: string;
  /** Exposed only when an environment asks for it (e.g. Prometheus' /metrics). */
  readonly optIn?: "metrics";
  /**
   * What the route carries beyond short requests, for the timeouts an HTTPRoute gives it: a
   * long-lived WebSocket, or uploads (large request bodies).
   */
  readonly traffic?: "websocket" | "upload";
}

/**
 * One component of the application: a Deployment with one container of the same name.
 *
 * @example
 * const worker = defineComponent({
 *   name: "worker", deploymentName: "argusai-worker", imageRepository: "ghcr.io/example/worker",
 *   user: { runAsUser: 1000 }, singleWriter: false, readsConfig: true,
 *   resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
 *   probes: { action: { exec: { command: ["true"] } }, livenessInitialDelaySeconds: 15, livenessPeriodSeconds: 20, readinessInitialDelaySeconds: 5 },
 * });
 */
export interface ComponentDefinition<N extends string = string> {
  /** The component's name: the container's name, the `component` label and the key in environment specs. */
  readonly name: N;
  /** The Deployment (and Service) name in the base. */
  readonly deploymentName: string;
  /** Image repository without tag; an overlay's `images:` entry matches it by this name. */
  readonly imageRepository: string;
  /** The port the container listens on, named `http`; a component with a port gets a ClusterIP Service. */
  readonly port?: number;
  readonly probes: ComponentProbes;
  /**
   * The single writer of state that must never have two writers (a SQLite file on a ReadWriteOnce
   * volume): Recreate instead of RollingUpdate, at most one replica, no autoscaler.
   */
  readonly singleWriter: boolean;
  /** Pod-level identity: the UID the image runs as, and the group owning mounted volumes. */
  readonly user: { readonly runAsUser: number; readonly fsGroup?: number };
  readonly resources: { readonly requests: Readonly<Record<"cpu" | "memory", string>>; readonly limits: Readonly<Record<"cpu" | "memory", string>> };
  /** Reads the argusai-config ConfigMap and argusai-secrets Secret as environment variables. */
  readonly readsConfig: boolean;
  /** Mounts the shared data volume at this path. */
  readonly dataMountPath?: string;
  /** Seconds the pod is given to shut down (Kubernetes' default is 30). */
  readonly terminationGracePeriodSeconds?: number;
  /** Plain environment variables; `service(name)` gives another component's Service address. */
  readonly env?: (
    service: (component: string) => { readonly host: string; readonly port: number },
  ) => ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Ingress routes to this component (a component without a port has none). */
  readonly routes?: readonly ComponentRoute[];
  /** Components whose pods may open connections to this one (NetworkPolicy); the ingress controller always may. */
  readonly reachableFrom?: readonly string[];
}

/** Identity function that keeps a component's literal name as its type. */
export function defineComponent<const N extends string>(definition: ComponentDefinition<N>): ComponentDefinition<N> {
  return definition;
}

/** The HTTP paths a component's application really serves at its root (probes must use one). */
export type ServedPaths = Readonly<Record<string, readonly string[]>>;

/**
 * What ArgusAI's applications serve, as read from their source: the FastAPI backend answers
 * `/health` without authentication, and has no `/api/v1/system/health` (its auth middleware answers
 * 401 or 404 there, so a probe on it would kill the pod). The frontend serves `/`.
 */
export const ARGUSAI_SERVED_PATHS: ServedPaths = {
  backend: ["/health", "/metrics", "/", "/api", "/ws", "/docs", "/openapi.json"],
  frontend: ["/"],
};

const BACKEND = defineComponent({
  name: "backend",
  deploymentName: "argusai-backend",
  imageRepository: "ghcr.io/bbengt1/argusai-backend",
  port: 8000,
  probes: {
    action: { httpGet: { path: "/health" } },
    livenessInitialDelaySeconds: 15,
    livenessPeriodSeconds: 20,
    readinessInitialDelaySeconds: 5,
    // Cold start loads an ML model and opens camera connections; upstream allows 30 × 5 s before
    // liveness takes over, so a slow start is not mistaken for a hang.
    startup: { periodSeconds: 5, failureThreshold: 30 },
  },
  singleWriter: true,
  user: { runAsUser: 1000, fsGroup: 1000 },
  resources: { requests: { memory: "512Mi", cpu: "250m" }, limits: { memory: "1Gi", cpu: "1000m" } },
  readsConfig: true,
  dataMountPath: "/app/data",
  // Shutdown drains the in-process event queue (~30 s) and stops camera threads (~5 s); the
  // default 30 s would SIGKILL the drain.
  terminationGracePeriodSeconds: 45,
  routes: [
    { path: "/api", traffic: "upload" },
    { path: "/ws", traffic: "websocket" },
    { path: "/health" },
    { path: "/docs" },
    { path: "/openapi.json" },
    { path: "/metrics", optIn: "metrics" },
  ],
  reachableFrom: ["frontend"],
});

const FRONTEND = defineComponent({
  name: "frontend",
  deploymentName: "argusai-frontend",
  imageRepository: "ghcr.io/bbengt1/argusai-frontend",
  port: 3000,
  probes: { action: { httpGet: { path: "/" } }, livenessInitialDelaySeconds: 15, livenessPeriodSeconds: 20, readinessInitialDelaySeconds: 5 },
  singleWriter: false,
  user: { runAsUser: 1001 },
  resources: { requests: { memory: "256Mi", cpu: "100m" }, limits: { memory: "512Mi", cpu: "500m" } },
  readsConfig: false,
  // Server-side only: Next.js inlines NEXT_PUBLIC_* into the browser bundle at image build time,
  // so these reach the frontend's server code (rewrites, server components), never the browser.
  env: (service) => {
    const backend = service("backend");
    return [
      { name: "NEXT_PUBLIC_API_URL", value: `http://${backend.host}:${backend.port}` },
      { name: "NEXT_PUBLIC_WS_URL", value: `ws://${backend.host}:${backend.port}` },
    ];
  },
  routes: [{ path: "/" }],
});

/** ArgusAI's components, in the order they are written and reported. */
export const ARGUSAI_COMPONENTS = [BACKEND, FRONTEND] as const;

/** The name of one of ArgusAI's components. */
export type ArgusComponent = (typeof ARGUSAI_COMPONENTS)[number]["name"];

/** A list of component definitions with its names as a type. */
export type ComponentRegistry<C extends string = string> = readonly ComponentDefinition<C>[];

/**
 * The definition of `name` in `registry`.
 *
 * @throws Error for a name the registry lacks (a programming error: names come from the registry)
 */
export function componentOf<C extends string>(registry: ComponentRegistry<C>, name: string): ComponentDefinition<C> {
  const found = registry.find((component) => component.name === name);
  if (found === undefined) throw new Error(`no component "${name}" in the registry (${registry.map((component) => component.name).join(", ")})`);
  return found;
}

/** The names of a registry's components. */
export function componentNames<C extends string>(registry: ComponentRegistry<C>): C[] {
  return registry.map((component) => component.name);
}

/** A component's requests and limits as a Kubernetes ResourceRequirements. */
export function resourceRequirements(component: ComponentDefinition): ResourceRequirements {
  return { requests: { ...component.resources.requests }, limits: { ...component.resources.limits } };
}
