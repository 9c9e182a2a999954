/**
 * Bad environment files: each is refused (INVALID_SPEC, exit 2) with a message naming the file, the
 * line (where it has one), the environment and the field, and leaves every byte of the tree
 * unchanged. Every case runs through the library in-process (fast); a few also through the CLI, for
 * the exit code and the output.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { generate } from "../../src/index.js";
import { renderer, runCli, snapshotTree, tempDir, STAGING_HEAD as HEAD } from "../helpers.js";

interface BadFile {
  readonly what: string;
  readonly text: string;
  /** What the one-line problem must contain: `file:line: environment "x", field y: message`. */
  readonly expected: RegExp;
}

const BAD_FILES: BadFile[] = [
  {
    what: "a misspelled key",
    text: `${HEAD}replica:\n  frontend: 2\n`,
    expected: /:5: environment "staging", field replica: unknown field \(did you mean replicas\?\)/,
  },
  {
    what: "a misspelled nested key",
    text: `${HEAD}resources:\n  backend:\n    limit:\n      memory: 1Gi\n`,
    expected: /:7: environment "staging", field resources.backend.limit: unknown field \(did you mean limits\?\)/,
  },
  {
    what: "a quantity in MB",
    text: `${HEAD}resources:\n  backend:\n    limits:\n      memory: 512MB\n`,
    expected: /:8: environment "staging", field resources.backend.limits.memory: "512MB" is not a Kubernetes quantity/,
  },
  {
    what: "requests above limits",
    text: `${HEAD}resources:\n  frontend:\n    requests: { cpu: "2" }\n    limits: { cpu: 500m }\n`,
    expected: /:7: environment "staging", field resources.frontend.requests.cpu: request 2 is above the limit 500m/,
  },
  {
    what: "a request above the base's limit",
    text: `${HEAD}resources:\n  backend:\n    requests: { memory: 2Gi }\n`,
    expected: /:7: environment "staging", field resources.backend.requests.memory: request 2Gi is above the limit 1Gi \(a value not given is the base's\)/,
  },
  {
    what: "a limit below the base's request",
    text: `${HEAD}resources:\n  frontend:\n    limits: { cpu: 50m }\n`,
    expected: /:7: environment "staging", field resources.frontend.limits.cpu: request 100m is above the limit 50m/,
  },
  {
    what: "a negative quantity",
    text: `${HEAD}resources:\n  backend:\n    requests: { memory: -1Gi }\n`,
    expected: /:7: environment "staging", field resources.backend.requests.memory: "-1Gi" must not be negative/,
  },
  { what: "a zero storage size", text: `${HEAD}storage:\n  size: "0"\n`, expected: /:6: environment "staging", field storage.size: must be above zero/ },
  {
    what: "replicas beyond an int32",
    text: `${HEAD}replicas:\n  frontend: 3000000000\n`,
    expected: /:6: environment "staging", field replicas.frontend: is above 2147483647/,
  },
  {
    what: "a namespace Kubernetes manages",
    text: HEAD.replace("namespace: argusai-staging", "namespace: kube-system"),
    expected: /:2: environment "staging", field namespace: kube-system is managed by Kubernetes: set createNamespace: false/,
  },
  {
    what: "an IP address as ingress host",
    text: `${HEAD}ingress:\n  host: 10.0.0.1\n`,
    expected: /:6: environment "staging", field ingress.host: "10.0.0.1" is an IP address: an Ingress host must be a DNS name/,
  },
  {
    what: "a YAML alias",
    text: `${HEAD}resources:\n  backend:\n    requests: &r { memory: 256Mi }\n  frontend:\n    requests: *r\n`,
    expected: /yaml: uses a YAML alias \(\*name\); write the values out/,
  },
  {
    what: "fractional replicas",
    text: `${HEAD}replicas:\n  frontend: 1.5\n`,
    expected: /:6: environment "staging", field replicas.frontend: is not a whole number/,
  },
  { what: "negative replicas", text: `${HEAD}replicas:\n  frontend: -1\n`, expected: /:6: environment "staging", field replicas.frontend: must be >= 0/ },
  { what: "replicas as a word", text: `${HEAD}replicas:\n  frontend: two\n`, expected: /:6: environment "staging", field replicas.frontend: must be a number/ },
  {
    what: "two backend writers",
    text: `${HEAD}replicas:\n  backend: 2\n`,
    expected: /:6: environment "staging", field replicas.backend: must be 0 or 1: the backend is the single writer of its data/,
  },
  {
    what: "a name with capitals",
    text: HEAD.replace("name: staging", "name: Staging"),
    expected: /:1: environment "Staging", field name: is not a DNS-1123 label/,
  },
  {
    what: "a name with an underscore",
    text: HEAD.replace("name: staging", "name: my_env"),
    expected: /:1: environment "my_env", field name: is not a DNS-1123 label/,
  },
  { what: "a name with '..'", text: HEAD.replace("name: staging", "name: a..b"), expected: /:1: environment "a..b", field name: is not a DNS-1123 label/ },
  {
    what: "a name that is a path",
    text: HEAD.replace("name: staging", "name: ../../etc"),
    expected: /:1: environment "..\/..\/etc", field name: is not a DNS-1123 label/,
  },
  {
    what: "a namespace with capitals",
    text: HEAD.replace("namespace: argusai-staging", "namespace: ArgusAI"),
    expected: /:2: environment "staging", field namespace: is not a DNS-1123 label/,
  },
  {
    what: "a name clashing with another file",
    text: HEAD,
    expected: /environment "staging", field name: "staging" is already the name of the environment from/,
  },
  {
    what: "an invalid tag",
    text: `${HEAD}images:\n  backend: { tag: "-rc1" }\n`,
    expected: /:6: environment "staging", field images.backend.tag: is not a valid image tag/,
  },
  {
    what: "an invalid digest",
    text: `${HEAD}images:\n  backend: { digest: "sha256:1234" }\n`,
    expected: /:6: environment "staging", field images.backend.digest: is not sha256: followed by 64 lowercase hex digits/,
  },
  {
    what: "a tag and a digest",
    text: `${HEAD}images:\n  backend: { tag: "1.0", digest: "sha256:${"a".repeat(64)}" }\n`,
    expected: /:6: environment "staging", field images.backend.digest: give a tag or a digest, not both/,
  },
  {
    what: "an unquoted numeric tag",
    text: `${HEAD}images:\n  frontend: { tag: 1.10 }\n`,
    expected: /:6: environment "staging", field images.frontend.tag: must be a string; quote it \("1.1"\)/,
  },
  {
    what: "an ingress host that is not a hostname",
    text: `${HEAD}ingress:\n  host: https://argusai.example.com/\n`,
    expected: /:6: environment "staging", field ingress.host: "https:\/\/argusai.example.com\/" is not a DNS name: it has a scheme or a path/,
  },
  {
    what: "a secret mode that does not exist",
    text: HEAD.replace("mode: existing", "mode: literal"),
    expected: /:4: environment "staging", field secret.mode: must be "generated", "existing", "externalSecret" or "sealedSecret"/,
  },
  { what: "a missing secret", text: "name: staging\nnamespace: argusai-staging\n", expected: /:1: environment "staging", field secret: is required/ },
  {
    what: "a patch on the root path (the whole object)",
    text: `${HEAD}patches:\n  - target: { kind: Deployment, name: argusai-backend }\n    operations:\n      - { op: replace, path: "", value: {} }\n`,
    expected:
      /:8: environment "staging", field patches\.0\.operations\.0\.path: must point at a field, like \/spec\/template\/spec\/hostAliases: "" \(the whole object\) is not allowed/,
  },
  {
    what: "production with latest",
    text: `${HEAD}production: true\nimages:\n  backend: { tag: latest }\n  frontend: { tag: "1.0.0" }\n`,
    expected: /:7: environment "staging", field images.backend: a production environment must pin the image/,
  },
  {
    what: "production with a generated Secret",
    text: `${HEAD.replace("mode: existing", "mode: generated")}production: true\nimages: { backend: { tag: "1" }, frontend: { tag: "1" } }\n`,
    expected: /:4: environment "staging", field secret.mode: a production environment must not generate its Secret/,
  },
  {
    what: "a config value that is a number",
    text: `${HEAD}config:\n  WORKERS: 4\n`,
    expected: /:6: environment "staging", field config.WORKERS: must be a string; quote it \("4"\)/,
  },
  {
    what: "a config value in quotes",
    text: `${HEAD}config:\n  GREETING: "'hi'"\n`,
    expected: /:6: environment "staging", field config.GREETING: must not be wrapped in quotes/,
  },
  {
    what: "a PodDisruptionBudget that blocks drains",
    text: `${HEAD}disruptionBudgets:\n  frontend: { minAvailable: 1 }\n`,
    expected: /:6: environment "staging", field disruptionBudgets.frontend.minAvailable: 1 with 1 replica\(s\) would block every node drain/,
  },
  {
    what: "a storage size that is not a quantity",
    text: `${HEAD}storage:\n  size: 20 GB\n`,
    expected: /:6: environment "staging", field storage.size: "20 GB" is not a Kubernetes quantity/,
  },
  {
    what: "production as the word yes",
    text: `${HEAD}production: yes\n`,
    expected: /:5: environment "staging", field production: must be true or false, not a string/,
  },
  { what: "malformed YAML", text: "name: staging\nnamespace: [argusai\n", expected: /:\d+: malformed YAML or JSON/ },
  { what: "malformed JSON", text: '{"name": "staging", "namespace": "argusai-staging",, }', expected: /:1: malformed YAML or JSON/ },
  { what: "an empty file", text: "", expected: /: the file is empty; it must hold one environment/ },
  { what: "a file of comments only", text: "# staging\n", expected: /: the file is empty/ },
  { what: "two documents", text: `${HEAD}---\n${HEAD}`, expected: /:5: holds several YAML documents; give one environment per file/ },
  { what: "a list instead of a mapping", text: "- name: staging\n", expected: /:1: must be a mapping of environment fields/ },
  { what: "a key given twice", text: `${HEAD}namespace: other\n`, expected: /:5: malformed YAML or JSON: Map keys must be unique/ },
  {
    what: "several problems at once",
    text: `${HEAD}replica: 2\nstorage: { size: 10GB }\n`,
    expected:
      /2 problems in the environments:\n.*:5: environment "staging", field replica: unknown field.*\n.*:6: environment "staging", field storage.size: "10GB" is not a Kubernetes quantity/,
  },
];

let tree: string;
let filesDir: string;
let pristine: Map<string, string>;

const run = (args: string[]) => runCli(args);

beforeAll(async () => {
  tree = await tempDir();
  filesDir = await tempDir();
  expect((await run(["generate", "--dir", tree])).code).toBe(0);
  pristine = await snapshotTree(tree);
});

/** The env files of a case: the bad one, after a good one with the same name where the case needs it. */
async function filesOf(bad: BadFile, index: number, prefix: string): Promise<{ file: string; envFiles: string[] }> {
  const file = path.join(filesDir, `${prefix}-${index}.yaml`);
  await writeFile(file, bad.text);
  if (bad.what !== "a name clashing with another file") return { file, envFiles: [file] };
  const first = path.join(filesDir, `${prefix}-first-${index}.yaml`);
  await writeFile(first, HEAD);
  return { file, envFiles: [first, file] };
}

describe(`${BAD_FILES.length} bad environment files`, () => {
  it.each(BAD_FILES.map((bad, index) => [bad.what, bad, index] as const))(
    "%s: INVALID_SPEC naming file, line and field, tree unchanged",
    async (_, bad, index) => {
      const { file, envFiles } = await filesOf(bad, index, "bad");
      const error = await generate({ dir: tree, envFiles, renderer }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ArgusKustomizeError);
      expect((error as ArgusKustomizeError).code).toBe("INVALID_SPEC");
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toMatch(bad.expected);
      expect(await snapshotTree(tree)).toEqual(pristine);
    },
  );

  it.each(BAD_FILES.slice(0, 3).map((bad, index) => [bad.what, bad, index] as const))(
    "through the CLI, %s: exit 2, one message, no stack, tree unchanged",
    async (_, bad, index) => {
      const { file, envFiles } = await filesOf(bad, index, "cli");
      const result = await run(["generate", "--dir", tree, ...envFiles.flatMap((envFile) => ["--env-file", envFile])]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(bad.expected);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await snapshotTree(tree)).toEqual(pristine);
    },
  );

  it("the same file given twice: exit 2, names the file", async () => {
    const file = path.join(filesDir, "twice.yaml");
    await writeFile(file, HEAD);
    const result = await run(["generate", "--dir", tree, "--env-file", file, "--env-file", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`argusai-kustomize: USAGE: ${file}: is given twice with --env-file\n`);
    expect(await snapshotTree(tree)).toEqual(pristine);
  });

  it("a file that does not exist: exit 2, names the file", async () => {
    const result = await run(["generate", "--dir", tree, "--env-file", path.join(filesDir, "nope.yaml")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FILE_ACCESS: .*nope.yaml: cannot read the environment file \(ENOENT\): it does not exist: check the path/);
    expect(await snapshotTree(tree)).toEqual(pristine);
  });

  it("the committed example file is valid and renders", async () => {
    const result = await run(["generate", "--dir", await tempDir(), "--env-file", path.resolve("examples/staging.yaml")]);
    // Only the built-in prod's placeholder versions are warned about; staging pins 1.4.2.
    expect(result.stderr).not.toContain('"staging"');
    expect(
      result.stderr
        .split("\n")
        .filter(Boolean)
        .every((line) => line.startsWith('warning: environment "prod"')),
    ).toBe(true);
    expect(result.stdout).toMatch(
      /^overlays\/staging: 9 objects, namespace argusai-staging, images ghcr.io\/bbengt1\/argusai-backend:1.4.2 ghcr.io\/bbengt1\/argusai-frontend:1.4.2$/m,
    );
  });
});
