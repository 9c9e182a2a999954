/**
 * Every kustomization renders byte-identically, and without a warning, on every kustomize this
 * machine has: kubectl 1.27 ... 1.33 (kustomize 5.0.1 ... 5.6.0) beside the gcloud kubectl, and
 * the renderers Argo CD runs, fetched by scripts/fetch-renderers.sh: kubectl 1.36 (kustomize
 * 5.8.1), standalone kustomize 5.8.1 and 5.6.0. The kustomizations: the committed tree (base and
 * every overlay), every example environment file, and environments that use every option.
 *
 * Locally a missing renderer is a skipped test that names it and says how to get it. In CI (CI,
 * ARGUSAI_CI or ARGUSAI_REQUIRE_ALL_RENDERERS set; .ci/run sets the last two) it is a failed test: a renderer row that
 * silently stops running is exactly the gap this file exists to close.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { environmentSpecSchema } from "../../src/model/environment-spec.js";
import { generate } from "../../src/index.js";
import { kubectlRenderer, kustomizeRenderer, renderKustomization, type Rendered, type Renderer } from "../../src/render/kustomize.js";
import { renderer as reference, snapshotTree, STANDALONE_KUSTOMIZE, tempDir } from "../helpers.js";

const run = promisify(execFile);
const REQUIRE_ALL = ["CI", "ARGUSAI_CI", "ARGUSAI_REQUIRE_ALL_RENDERERS"].some((name) => Boolean(process.env[name]));
const GCLOUD_DIR = process.env["KUBECTL_MATRIX_DIR"] ?? "/usr/lib/google-cloud-sdk/bin";
const GCLOUD_VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];
const RENDERERS_DIR = process.env["ARGUSAI_RENDERERS_DIR"] ?? path.resolve(".cache/renderers");
/** What scripts/fetch-renderers.sh fetches, as package/suite. */
const FETCHED = ["kustomize/sid", "kubectl/sid", "kustomize/trixie"];
const FETCH_HINT = "run scripts/fetch-renderers.sh (or .ci/run)";

interface Row {
  /** e.g. "kubectl v1.36.4 (kustomize v5.8.1), Debian sid 1.36.4+ds-1" or "kustomize 5.8.1 (Debian sid 5.8.1+ds-1)". */
  readonly name: string;
  readonly binary: string;
  readonly renderer: Renderer | undefined;
  /** Why it is missing, when it is. */
  readonly missing?: string;
  /** Whether CI fails without it. */
  readonly required: boolean;
}

/** `kubectl version --client` as "kubectl v1.36.4 (kustomize v5.8.1)". */
async function kubectlName(binary: string): Promise<string> {
  const { stdout } = await run(binary, ["version", "--client", "-o", "json"]);
  const version = JSON.parse(stdout) as { clientVersion: { gitVersion: string }; kustomizeVersion?: string };
  return `kubectl ${version.clientVersion.gitVersion} (kustomize ${version.kustomizeVersion ?? "unknown"})`;
}

function fetchedRows(): Row[] {
  const manifestFile = path.join(RENDERERS_DIR, "renderers.json");
  const manifest = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, "utf8")) as Array<{ package: string; version: string; suite: string; binary: string }>)
    : [];
  return FETCHED.map((wanted) => {
    const entry = manifest.find((candidate) => `${candidate.package}/${candidate.suite}` === wanted && existsSync(candidate.binary));
    if (entry === undefined) {
      return { name: `${wanted} (Debian package)`, binary: "", renderer: undefined, missing: `not in ${manifestFile}: ${FETCH_HINT}`, required: true };
    }
    // The Debian kustomize prints "(devel)" for `kustomize version`: the package version is the truth.
    const upstream = entry.version.replace(/^\d+:/, "").replace(/[+~-].*$/, "");
    const debian = `Debian ${entry.suite} ${entry.version}`;
    return entry.package === "kubectl"
      ? { name: debian, binary: entry.binary, renderer: kubectlRenderer(entry.binary), required: true }
      : { name: `kustomize ${upstream} (${debian})`, binary: entry.binary, renderer: kustomizeRenderer(entry.binary), required: true };
  });
}

function gcloudRows(): Row[] {
  // Debian 12 images carry the gcloud SDK with kubectl.1.27 ... kubectl.1.33; Debian 13 images
  // have no SDK at all. Where the SDK is, a missing version is a broken image; where it is not,
  // these rows cannot exist and are reported as such.
  const sdk = existsSync(path.join(GCLOUD_DIR, "kubectl"));
  return GCLOUD_VERSIONS.map((version) => {
    const binary = path.join(GCLOUD_DIR, `kubectl.${version}`);
    return existsSync(binary)
      ? { name: `gcloud kubectl.${version}`, binary, renderer: kubectlRenderer(binary), required: true }
      : {
          name: `gcloud kubectl.${version}`,
          binary,
          renderer: undefined,
          missing: sdk ? `${binary} is missing from the gcloud SDK` : `no gcloud SDK in ${GCLOUD_DIR} (a Debian 13 image has none)`,
          required: sdk,
        };
  });
}

/** Every row, named by the version it reports. */
async function matrixRows(): Promise<Row[]> {
  const rows = [...gcloudRows(), ...fetchedRows()];
  // A standalone kustomize on PATH (apt-get install kustomize on Debian 13) is one more renderer.
  if (STANDALONE_KUSTOMIZE !== undefined && !rows.some((row) => row.binary === STANDALONE_KUSTOMIZE)) {
    const { stdout } = await run(STANDALONE_KUSTOMIZE, ["version"]);
    rows.push({ name: `kustomize ${stdout.trim()} on PATH`, binary: STANDALONE_KUSTOMIZE, renderer: kustomizeRenderer(STANDALONE_KUSTOMIZE), required: false });
  }
  return Promise.all(
    rows.map(async (row) =>
      row.renderer !== undefined && row.renderer.label === "kubectl kustomize" ? { ...row, name: `${await kubectlName(row.binary)}, ${row.name}` } : row,
    ),
  );
}

const rows = await matrixRows();
const referenceName = reference.label === "kubectl kustomize" ? await kubectlName(reference.binary) : `kustomize at ${reference.binary}`;

/**
 * Environments that together use every option of an environment spec (a test below proves it),
 * with values that reach the edges of what the compiler writes: a digest and a tag, YAML 1.1
 * words in config values, zero replicas, both secret modes, TLS and no TLS.
 */
const OPTION_ENVIRONMENTS: EnvironmentSpec[] = [
  {
    $schema: "../schema/environment.schema.json",
    name: "every-option",
    namespace: "argusai-every-option",
    production: true,
    createNamespace: true,
    images: { backend: { digest: `sha256:${"ab".repeat(32)}` }, frontend: { tag: "1.4.2" } },
    replicas: { backend: 1 },
    resources: {
      backend: { requests: { cpu: "500m", memory: "768Mi" }, limits: { cpu: "2", memory: "2Gi" } },
      frontend: { requests: { cpu: "200m", memory: "300Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    config: { LOG_LEVEL: "INFO", FEATURE_FLAG: "yes", LEGACY: "on", VERSION: "1.10", "dotted.key": "a value with spaces" },
    secret: { mode: "existing" },
    ingress: {
      host: "argusai.example.com",
      tlsSecretName: "argusai-tls",
      className: "nginx",
      exposeMetrics: true,
      annotations: { "a.example.com/b": "c" },
      labels: { x: "y" },
    },
    storage: { className: "fast-ssd", size: "50Gi", accessMode: "ReadWriteMany", annotations: { keep: "yes" }, labels: { data: "true" } },
    disruptionBudgets: { backend: { minAvailable: 0 }, frontend: { maxUnavailable: "50%" } },
    autoscaling: { frontend: { minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 60 } },
    scheduling: {
      backend: {
        nodeSelector: { "kubernetes.io/os": "linux" },
        tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
        priorityClassName: "high",
      },
      frontend: {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { component: "frontend" } } } },
            ],
          },
        },
      },
    },
    imagePullSecrets: ["pull-one", "pull-two"],
    networkPolicy: { ingressControllerNamespace: "traefik", monitoringNamespace: "observability" },
    argocd: { enabled: true, automated: { prune: true, selfHeal: true } },
    // Monitoring: a ServiceMonitor and a PrometheusRule with every kind of alert tuning.
    monitoring: {
      labels: { release: "kube-prometheus-stack" },
      interval: "1m",
      scrapeTimeout: "30s",
      alertLabels: { team: "vision" },
      alerts: { ArgusAIHighHTTPErrorRatio: { threshold: 0.05, for: "15m", severity: "critical" }, ArgusAIProtectDisconnected: { enabled: false } },
    },
    serviceAccount: { labels: { tier: "app" }, annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/argusai" } },
    services: { labels: { "example.com/exposed": "no" } },
    patches: [
      { target: { kind: "Service", name: "argusai-frontend" }, operations: [{ op: "replace", path: "/spec/ports/0/port", value: 80 }] },
      { target: { kind: "PersistentVolumeClaim", name: "argusai-data" }, operations: [{ op: "add", path: "/spec/volumeMode", value: "Filesystem" }] },
    ],
  },
  {
    name: "scaled-down",
    namespace: "argusai-scaled-down",
    production: false,
    createNamespace: false,
    replicas: { backend: 0, frontend: 0 },
    secret: { mode: "generated" },
    ingress: { host: "scaled-down.example.com" },
    // Ingress and HTTPRoute side by side (a migration); the other secret modes are in examples/.
    httpRoute: {
      parentRefs: [{ name: "gw", namespace: "gateway-system" }],
      hostnames: ["scaled-down.example.com"],
      exposeMetrics: true,
      timeouts: { upload: "1h" },
    },
    networkPolicy: { ingressControllerNamespace: "ingress-nginx", egress: { allowCidrs: ["10.0.0.0/8", "192.168.1.0/24"] } },
  },
];

/** Example environment files: at the top of examples/ (sub-folders hold other examples, e.g. CI). */
const EXAMPLE_FILES = readdirSync("examples", { withFileTypes: true })
  .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
  .map((entry) => path.resolve("examples", entry.name));

/** Kustomization directories to render, by a readable name. */
const kustomizations = new Map<string, string>();
/** rendered[row name][kustomization name], filled by beforeAll. */
const rendered = new Map<string, Map<string, Rendered | Error>>();
const referenceRenders = new Map<string, string>();

beforeAll(async () => {
  // The committed tree, as committed: generate into a copy only adds the git-ignored seeds
  // (dev's secrets.env) that a checkout lacks; if it changed anything else, the matrix would be
  // rendering something other than the committed files.
  const committed = await tempDir("argusai-matrix-committed-");
  // package.json too: the Argo CD Application takes its repoURL from the nearest one.
  for (const entry of [".argusai-kustomize.json", "package.json", "base", "overlays", "argocd"])
    await cp(entry, path.join(committed, entry), { recursive: true });
  const before = await snapshotTree(committed);
  const result = await generate({ dir: committed, renderer: reference });
  const changed = [...(await snapshotTree(committed))]
    .filter(([file, text]) => before.get(file) !== text && !result.seeded.includes(file))
    .map(([file]) => file);
  if (changed.length > 0) throw new Error(`the committed tree is not what generate writes (${changed.join(", ")}): run npm run generate`);
  kustomizations.set("committed base", path.join(committed, "base"));
  for (const overlay of await readdir(path.join(committed, "overlays")))
    kustomizations.set(`committed overlays/${overlay}`, path.join(committed, "overlays", overlay));

  const options = await tempDir("argusai-matrix-options-");
  await generate({ dir: options, renderer: reference, environments: OPTION_ENVIRONMENTS, envFiles: EXAMPLE_FILES });
  for (const overlay of await readdir(path.join(options, "overlays"))) kustomizations.set(`overlays/${overlay}`, path.join(options, "overlays", overlay));

  for (const [name, dir] of kustomizations) referenceRenders.set(name, (await renderKustomization(dir, reference)).yaml);

  // Every render of every renderer through one bounded pool: each is a process start of 60-130 ms,
  // so a few at a time keeps the file at a few seconds without starving the other test files.
  const jobs = rows.flatMap((row) =>
    row.renderer === undefined ? [] : [...kustomizations].map(([name, dir]) => ({ row, renderer: row.renderer!, name, dir })),
  );
  for (const row of rows) rendered.set(row.name, new Map());
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
      rendered.get(job.row.name)!.set(job.name, await renderKustomization(job.dir, job.renderer).catch((error: Error) => error));
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, Math.min(6, availableParallelism() * 2)) }, worker));
}, 120_000);

afterAll(() => {
  // The list a CI log must show: which renderer versions really ran, and which did not.
  const lines = [`reference: ${referenceName} at ${reference.binary}`];
  for (const row of rows) {
    lines.push(
      row.renderer !== undefined
        ? `ran     ${row.name} at ${row.binary} (${rendered.get(row.name)?.size ?? 0} kustomizations)`
        : `MISSING ${row.name}: ${row.missing}`,
    );
  }
  console.log(`kustomize matrix:\n  ${lines.join("\n  ")}`);
});

describe("kustomize matrix inputs", () => {
  it("use every option of an environment spec, every secret mode and both image forms", async () => {
    const specs = [...OPTION_ENVIRONMENTS, ...EXAMPLE_FILES.map((file) => parse(readFileSync(file, "utf8")) as EnvironmentSpec)];
    const used = new Set(specs.flatMap((spec) => Object.keys(spec)));
    const missing = Object.keys(environmentSpecSchema.shape).filter((key) => !used.has(key));
    expect(missing, "options no matrix environment uses: add them to OPTION_ENVIRONMENTS").toEqual([]);
    expect(new Set(specs.map((spec) => spec.secret.mode))).toEqual(new Set(["generated", "existing", "externalSecret", "sealedSecret"]));
    const images = specs.flatMap((spec) => Object.values(spec.images ?? {})).filter((image) => image !== undefined);
    expect(images.some((image) => "tag" in image) && images.some((image) => "digest" in image)).toBe(true);
  });

  it("include the committed overlays and every example environment file", () => {
    expect(EXAMPLE_FILES.length).toBeGreaterThan(0);
    const names = [...kustomizations.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        "committed base",
        "committed overlays/dev",
        "committed overlays/prod",
        "overlays/every-option",
        "overlays/scaled-down",
        "overlays/staging",
        "overlays/gateway",
        "overlays/sealed-migration",
      ]),
    );
    expect([...names].sort()).toEqual(kustomizationNames().sort());
  });
});

describe.each(rows)("kustomize matrix: $name", (row) => {
  const missing = row.renderer === undefined;
  if (missing && REQUIRE_ALL && row.required) {
    it(`is installed (${row.missing})`, () => {
      expect.fail(`${row.name} is required in CI: ${row.missing}`);
    });
    return;
  }
  it.skipIf(missing).each([...kustomizationNames()])(
    `renders %s byte-identically to the reference, with no warning${missing ? ` (skipped: ${row.missing})` : ""}`,
    (name) => {
      const result = rendered.get(row.name)!.get(name);
      if (result instanceof Error) throw result;
      expect(result, `${row.name} did not render ${name}`).toBeDefined();
      expect(result!.warnings).toEqual([]);
      expect(result!.yaml).toBe(referenceRenders.get(name));
    },
  );
});

/**
 * Test names are fixed at collection time, before beforeAll has generated anything: the names the
 * generated trees will have (a mismatch fails the inputs test above).
 */
function kustomizationNames(): string[] {
  const committedOverlays = readdirSync("overlays", { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `committed overlays/${entry.name}`);
  const examples = EXAMPLE_FILES.map((file) => `overlays/${environmentNameOf(file)}`);
  return ["committed base", ...committedOverlays, ...OPTION_ENVIRONMENTS.map((spec) => `overlays/${spec.name}`), ...examples];
}

function environmentNameOf(file: string): string {
  return String((parse(readFileSync(file, "utf8")) as { name?: unknown }).name);
}
