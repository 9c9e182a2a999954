import type { Container, PodSpec, PodTemplateSpec, Service } from "kubernetes-types/core/v1.js";
import { isPinnedImage } from "../model/images.js";
import { secretsProvidedBy } from "./custom-resources.js";
import { record, shown } from "./read-objects.js";
import { ROUTE_BACKENDS_POLICY } from "./route-links.js";
import type { Violation } from "./violation.js";
import { INVARIANT_POLICIES } from "./invariant-policies.js";
import { API_REQUIRED_POLICY } from "./api-required.js";
import { MONITORING_POLICIES } from "./monitoring-policies.js";

/** A rendered object, as parsed from kustomize's output. */
export type RenderedObject = Readonly<Record<string, unknown>>;

/** What policies need to know of the environment an overlay was rendered for. */
export interface PolicyContext {
  /** Production environments must pin images and must not carry Secret values. */
  readonly production: boolean;
  /** Secrets provided outside the overlay (e.g. `argusai-secrets` in mode existing, an Ingress TLS Secret). */
  readonly externalSecrets: readonly string[];
  /** ConfigMaps provided outside the overlay. */
  readonly externalConfigMaps: readonly string[];
  /** PersistentVolumeClaims provided outside the overlay. */
  readonly externalClaims: readonly string[];
  /** Deployments that are single writers (from the component registry): Recreate, at most one replica, never autoscaled. */
  readonly singleWriters: readonly string[];
  /** The namespace Prometheus scrapes from (networkPolicy.monitoringNamespace), when declared. */
  readonly monitoringNamespace?: string;
}

/** A policy: a stable id, what it demands, how to fix a violation, and the check. */
export interface Policy {
  readonly id: string;
  readonly summary: string;
  readonly fix: string;
  check(objects: readonly RenderedObject[], context: PolicyContext): Array<Omit<Violation, "policy" | "fix">>;
}

interface Pod {
  readonly object: string;
  /** Dotted path of the pod spec inside the object. */
  readonly at: string;
  readonly spec: PodSpec;
  readonly labels: Readonly<Record<string, string>>;
}

interface PodContainer {
  readonly pod: Pod;
  readonly container: Container;
  readonly at: string;
}

/** Volume types the restricted Pod Security Standard allows. */
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** Every policy, in the order they are reported. */
export const POLICIES: readonly Policy[] = [
  {
    id: "pss-run-as-non-root",
    summary: "every container runs as non-root (restricted profile)",
    fix: "set securityContext.runAsNonRoot: true on the pod (or every container)",
    check: (objects) =>
      containers(objects)
        .filter(({ pod, container }) => (container.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot) !== true)
        .map(({ pod, at }) => ({ object: pod.object, field: `${at}.securityContext.runAsNonRoot`, message: "is not true for this container" })),
  },
  {
    id: "pss-run-as-user",
    summary: "no container runs as UID 0 (restricted profile)",
    fix: "set securityContext.runAsUser to a non-zero UID",
    check: (objects) => [
      // The profile checks the pod's value too, even where every container overrides it.
      ...pods(objects)
        .filter((pod) => pod.spec.securityContext?.runAsUser === 0)
        .map((pod) => ({ object: pod.object, field: `${pod.at}.securityContext.runAsUser`, message: "is 0 (root)" })),
      ...containers(objects)
        .filter(({ container }) => container.securityContext?.runAsUser === 0)
        .map(({ pod, at }) => ({ object: pod.object, field: `${at}.securityContext.runAsUser`, message: "is 0 (root)" })),
    ],
  },
  {
    id: "pss-seccomp",
    summary: "every container has the RuntimeDefault (or Localhost) seccomp profile (restricted profile)",
    fix: "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
    check: (objects) =>
      containers(objects)
        .filter(
          ({ pod, container }) =>
            !["RuntimeDefault", "Localhost"].includes((container.securityContext?.seccompProfile ?? pod.spec.securityContext?.seccompProfile)?.type ?? ""),
        )
        .map(({ pod, at }) => ({ object: pod.object, field: `${at}.securityContext.seccompProfile.type`, message: "is neither RuntimeDefault nor Localhost" })),
  },
  {
    id: "pss-privilege-escalation",
    summary: "no container may gain privileges (restricted profile)",
    fix: "set allowPrivilegeEscalation: false in every container's securityContext",
    check: (objects) =>
      containers(objects)
        .filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false)
        .map(({ pod, at }) => ({ object: pod.object, field: `${at}.securityContext.allowPrivilegeEscalation`, message: "is not false" })),
  },
  {
    id: "pss-capabilities",
    summary: "every container drops ALL capabilities and adds none but NET_BIND_SERVICE (restricted profile)",
    fix: "set capabilities.drop: [ALL] in every container's securityContext",
    check: (objects) =>
      containers(objects).flatMap(({ pod, container, at }) => {
        const capabilities = container.securityContext?.capabilities;
        const problems = [];
        if (!strings(capabilities?.drop).includes("ALL"))
          problems.push({ object: pod.object, field: `${at}.securityContext.capabilities.drop`, message: "does not contain ALL" });
        const added = strings(capabilities?.add).filter((capability) => capability !== "NET_BIND_SERVICE");
        if (added.length > 0) problems.push({ object: pod.object, field: `${at}.securityContext.capabilities.add`, message: `adds ${added.join(", ")}` });
        return problems;
      }),
  },
  {
    id: "pss-privileged",
    summary: "no privileged container, no host namespaces (baseline and restricted profiles)",
    fix: "remove privileged: true, hostNetwork, hostPID and hostIPC",
    check: (objects) => [
      ...containers(objects)
        .filter(({ container }) => container.securityContext?.privileged === true)
        .map(({ pod, at }) => ({ object: pod.object, field: `${at}.securityContext.privileged`, message: "is true" })),
      ...pods(objects).flatMap((pod) =>
        (["hostNetwork", "hostPID", "hostIPC"] as const)
          .filter((host) => pod.spec[host] === true)
          .map((host) => ({ object: pod.object, field: `${pod.at}.${host}`, message: "is true" })),
      ),
    ],
  },
  {
    id: "pss-host-ports",
    summary: "no container binds a host port (baseline and restricted profiles)",
    fix: "remove hostPort; expose the port through a Service",
    check: (objects) =>
      containers(objects).flatMap(({ pod, container, at }) =>
        records(container.ports).flatMap((port, index) =>
          port.hostPort !== undefined && port.hostPort !== 0
            ? [{ object: pod.object, field: `${at}.ports.${index}.hostPort`, message: `binds host port ${shown(port.hostPort)}` }]
            : [],
        ),
      ),
  },
  {
    id: "pss-volume-types",
    summary: `volumes are only of the types the restricted profile allows (${RESTRICTED_VOLUME_TYPES.join(", ")})`,
    fix: "replace hostPath and other volume types with a PersistentVolumeClaim, emptyDir, ConfigMap or Secret",
    check: (objects) =>
      pods(objects).flatMap((pod) =>
        records(pod.spec.volumes).flatMap((volume, index) =>
          Object.keys(volume)
            .filter((key) => key !== "name" && !RESTRICTED_VOLUME_TYPES.includes(key))
            .map((type) => ({ object: pod.object, field: `${pod.at}.volumes.${index}.${type}`, message: `volume type ${type} is not allowed` })),
        ),
      ),
  },
  {
    id: "resources",
    summary: "every container requests and limits CPU and memory",
    fix: "set resources.requests and resources.limits for cpu and memory",
    check: (objects) =>
      containers(objects).flatMap(({ pod, container, at }) =>
        (["requests", "limits"] as const).flatMap((kind) =>
          (["cpu", "memory"] as const)
            .filter((name) => container.resources?.[kind]?.[name] === undefined)
            .map((name) => ({ object: pod.object, field: `${at}.resources.${kind}.${name}`, message: "is not set" })),
        ),
      ),
  },
  {
    id: "probes",
    summary: "every (non-init) container has a liveness and a readiness probe",
    fix: "add livenessProbe and readinessProbe",
    check: (objects) =>
      containers(objects, false).flatMap(({ pod, container, at }) =>
        (["livenessProbe", "readinessProbe"] as const)
          .filter((probe) => container[probe] === undefined)
          .map((probe) => ({ object: pod.object, field: `${at}.${probe}`, message: "is missing" })),
      ),
  },
  {
    id: "service-selector",
    summary: "every Service selects the pods of a rendered workload",
    fix: "make spec.selector a subset of a pod template's labels",
    check: (objects) => {
      const all = pods(objects);
      return services(objects)
        .filter(({ service }) => selected(all, service).length === 0)
        .map(({ object }) => ({ object, field: "spec.selector", message: "matches no pod template of the overlay" }));
    },
  },
  {
    id: "service-target-port",
    summary: "every Service targetPort exists on the pods it selects",
    fix: "set targetPort to a container port's name or number",
    check: (objects) => {
      const all = pods(objects);
      return services(objects).flatMap(({ object, service }) => {
        const targets = selected(all, service);
        if (targets.length === 0) return [];
        return records(service.spec?.ports).flatMap((port, index) => {
          const target = port.targetPort ?? port.port;
          const found = targets.every((pod) =>
            records(pod.spec.containers).some((container) =>
              records(container.ports).some((candidate) => candidate.name === target || candidate.containerPort === target),
            ),
          );
          return found ? [] : [{ object, field: `spec.ports.${index}.targetPort`, message: `${shown(target)} is not a port of the selected pods` }];
        });
      });
    },
  },
  {
    id: "references",
    summary:
      "every ConfigMap, Secret and PersistentVolumeClaim a pod uses is rendered (or made by a rendered ExternalSecret or SealedSecret) or declared external",
    fix: "render the object in the overlay, or declare it provided outside (secret.mode: existing)",
    check: (objects, context) => {
      const rendered = (kind: string) => new Set(objects.filter((object) => object["kind"] === kind).map((object) => nameOf(object)));
      const known = {
        ConfigMap: new Set([...rendered("ConfigMap"), ...context.externalConfigMaps]),
        Secret: new Set([...rendered("Secret"), ...secretsProvidedBy(objects), ...context.externalSecrets]),
        PersistentVolumeClaim: new Set([...rendered("PersistentVolumeClaim"), ...context.externalClaims]),
      };
      const missing: Array<Omit<Violation, "policy" | "fix">> = [];
      const need = (pod: Pod, kind: keyof typeof known, name: string | undefined, field: string, optional = false) => {
        if (name !== undefined && !optional && !known[kind].has(name))
          missing.push({ object: pod.object, field, message: `uses ${kind} ${shown(name)}, which is neither rendered nor declared external` });
      };
      for (const pod of pods(objects)) {
        records(pod.spec.volumes).forEach((volume, index) => {
          const at = `${pod.at}.volumes.${index}`;
          need(pod, "ConfigMap", volume.configMap?.name, `${at}.configMap.name`, volume.configMap?.optional);
          need(pod, "Secret", volume.secret?.secretName, `${at}.secret.secretName`, volume.secret?.optional);
          need(pod, "PersistentVolumeClaim", volume.persistentVolumeClaim?.claimName, `${at}.persistentVolumeClaim.claimName`);
          records(volume.projected?.sources).forEach((source, sourceIndex) => {
            need(pod, "ConfigMap", source.configMap?.name, `${at}.projected.sources.${sourceIndex}.configMap.name`, source.configMap?.optional);
            need(pod, "Secret", source.secret?.name, `${at}.projected.sources.${sourceIndex}.secret.name`, source.secret?.optional);
          });
        });
      }
      for (const { pod, container, at } of containers(objects)) {
        records(container.envFrom).forEach((source, index) => {
          need(pod, "ConfigMap", source.configMapRef?.name, `${at}.envFrom.${index}.configMapRef.name`, source.configMapRef?.optional);
          need(pod, "Secret", source.secretRef?.name, `${at}.envFrom.${index}.secretRef.name`, source.secretRef?.optional);
        });
        records(container.env).forEach((variable, index) => {
          const from = variable.valueFrom;
          need(pod, "ConfigMap", from?.configMapKeyRef?.name, `${at}.env.${index}.valueFrom.configMapKeyRef.name`, from?.configMapKeyRef?.optional);
          need(pod, "Secret", from?.secretKeyRef?.name, `${at}.env.${index}.valueFrom.secretKeyRef.name`, from?.secretKeyRef?.optional);
        });
      }
      return missing;
    },
  },
  {
    id: "single-writer",
    summary: "a single-writer Deployment (the backend: SQLite on a ReadWriteOnce volume) uses Recreate, runs at most one replica and is not autoscaled",
    fix: "keep strategy Recreate and replicas 0 or 1 for it, and remove any HorizontalPodAutoscaler targeting it",
    check: (objects, context) =>
      objects.flatMap((object) => {
        const name = nameOf(object);
        if (object["kind"] === "HorizontalPodAutoscaler") {
          const target = (object["spec"] as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
          return target?.kind === "Deployment" && context.singleWriters.includes(target.name ?? "")
            ? [{ object: `HorizontalPodAutoscaler/${name}`, field: "spec.scaleTargetRef.name", message: `autoscales ${target.name ?? ""}, a single writer` }]
            : [];
        }
        if (object["kind"] !== "Deployment" || !context.singleWriters.includes(name)) return [];
        const spec = object["spec"] as { replicas?: number; strategy?: { type?: string } } | undefined;
        return [
          ...(spec?.strategy?.type !== "Recreate"
            ? [
                {
                  object: `Deployment/${name}`,
                  field: "spec.strategy.type",
                  message: `is ${spec?.strategy?.type !== undefined ? shown(spec.strategy.type) : "RollingUpdate (the default)"}, not Recreate`,
                },
              ]
            : []),
          ...(typeof spec?.replicas === "number" && spec.replicas > 1
            ? [{ object: `Deployment/${name}`, field: "spec.replicas", message: `is ${spec.replicas}: two writers of one database` }]
            : []),
        ];
      }),
  },
  {
    id: "images-pinned",
    summary: "in a production environment every image has a version tag or digest, never latest",
    fix: "pin the image: images.<component>.tag or .digest in the environment",
    check: (objects, context) =>
      !context.production
        ? []
        : containers(objects)
            .filter(({ container }) => typeof container.image !== "string" || !isPinnedImage(container.image))
            .map(({ pod, container, at }) => ({
              object: pod.object,
              field: `${at}.image`,
              message: `${typeof container.image === "string" ? container.image : "(none)"} is not pinned to a version`,
            })),
  },
  {
    id: "no-secret-literals",
    summary: "a production environment renders no Secret with values (they would be committed)",
    fix: "provide the Secret outside the tree (secret.mode: existing, External Secrets, Sealed Secrets)",
    check: (objects, context) =>
      !context.production
        ? []
        : objects
            .filter((object) => object["kind"] === "Secret" && (hasKeys(object["data"]) || hasKeys(object["stringData"])))
            .map((object) => ({
              object: `Secret/${nameOf(object)}`,
              field: hasKeys(object["data"]) ? "data" : "stringData",
              message: "holds secret values in the repository",
            })),
  },
  ...INVARIANT_POLICIES,
  API_REQUIRED_POLICY,
  ROUTE_BACKENDS_POLICY,
  ...MONITORING_POLICIES,
];

/**
 * Runs every policy on one rendered overlay. Objects may be anything a hand edit or an escape-hatch
 * patch left: every policy reads them defensively, and a missing part is a violation (the
 * pod-template and selector policies), never a crash.
 */
export function policyViolations(objects: readonly RenderedObject[], context: PolicyContext): Violation[] {
  const wellFormed = objects.filter((object) => typeof object === "object" && object !== null && !Array.isArray(object));
  return POLICIES.flatMap((policy) => policy.check(wellFormed, context).map((violation) => ({ ...violation, policy: policy.id, fix: policy.fix })));
}

function nameOf(object: RenderedObject): string {
  return shown(record(object["metadata"])?.["name"] ?? "");
}

function hasKeys(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

/**
 * Every pod template of the rendered workloads (and bare Pods) that has a pod spec (a workload
 * without one is the pod-template policy's violation). Indexed items that are not mappings (a
 * container that is a string) are skipped here: the schema reports them.
 */
function pods(objects: readonly RenderedObject[]): Pod[] {
  return objects.flatMap((object): Pod[] => {
    const where = `${shown(object["kind"])}/${nameOf(object)}`;
    const spec = record(object["spec"]) as { template?: PodTemplateSpec; jobTemplate?: { spec?: { template?: PodTemplateSpec } } } | undefined;
    if (object["kind"] === "Pod") {
      return spec !== undefined ? [{ object: where, at: "spec", spec: spec as PodSpec, labels: labelsOf(object["metadata"]) }] : [];
    }
    const template = record(spec?.template ?? record(spec?.jobTemplate?.spec)?.template) as PodTemplateSpec | undefined;
    const at = spec?.template !== undefined ? "spec.template.spec" : "spec.jobTemplate.spec.template.spec";
    const podSpec = record(template?.spec) as PodSpec | undefined;
    return podSpec !== undefined ? [{ object: where, at, spec: podSpec, labels: labelsOf(template?.metadata) }] : [];
  });
}

function containers(objects: readonly RenderedObject[], withInit = true): PodContainer[] {
  return pods(objects).flatMap((pod) => [
    ...indexedRecords(pod.spec.containers).map(([container, index]) => ({ pod, container, at: `${pod.at}.containers.${index}` })),
    ...(withInit ? indexedRecords(pod.spec.initContainers).map(([container, index]) => ({ pod, container, at: `${pod.at}.initContainers.${index}` })) : []),
  ]);
}

function services(objects: readonly RenderedObject[]): Array<{ object: string; service: Service }> {
  return objects
    .filter((object) => object["kind"] === "Service" && record(object["spec"])?.["selector"] !== undefined)
    .map((object) => ({ object: `Service/${nameOf(object)}`, service: object as unknown as Service }));
}

function selected(all: readonly Pod[], service: Service): Pod[] {
  const selector = Object.entries(record(service.spec?.selector) ?? {});
  return all.filter((pod) => selector.every(([key, value]) => pod.labels[key] === value));
}

/** The mappings of a list (with their index), or none when it is not a list. */
function indexedRecords<T>(value: readonly T[] | undefined): Array<[T, number]> {
  // Typed as the model says; at run time it may be anything.
  return Array.isArray(value) ? (value as readonly T[]).flatMap((item: T, index) => (record(item) !== undefined ? [[item, index] as [T, number]] : [])) : [];
}

/** The mappings of a list, or none when it is not a list. Positions are kept: a skipped item leaves a gap, not a shift. */
function records<T>(value: readonly T[] | undefined): T[] {
  // Sparse on purpose: forEach/flatMap/some skip holes, and the indexes they pass stay the list's own.
  const list: T[] = [];
  for (const [item, index] of indexedRecords<T>(value)) list[index] = item;
  return list;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function labelsOf(metadata: unknown): Readonly<Record<string, string>> {
  return (record(record(metadata)?.["labels"]) as Record<string, string> | undefined) ?? {};
}
