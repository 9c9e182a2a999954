#!/usr/bin/env node
// Vendors the openAPIV3Schema of every custom resource kind in CUSTOM_RESOURCES, of every API group
// (src/validate/custom-resources.ts) into schema/crds/, with the upstream repository, path, tag,
// commit, license and sha256 the CRD came from. Run after build: `npm run crds [CRDS_DIR]`.
//
// CRDS_DIR holds the CRDs as `<project>/<file>.yaml` with a README.md table of their sources
// (default: ARGUSAI_CRDS_DIR, else the repository's crds/ (the upstream files of the kinds it
// renders, verbatim), else ../shared/crds or ../../shared/crds from the repository).
// Descriptions are dropped (nothing validates with them); everything else is the CRD's own.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { crdSchemaFile, CUSTOM_RESOURCES, withoutDescriptions } from "../dist/validate/custom-resources.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const candidates = [
  process.argv[2],
  process.env.ARGUSAI_CRDS_DIR,
  path.join(root, "crds"),
  path.join(root, "../shared/crds"),
  path.join(root, "../../shared/crds"),
].filter(Boolean);
const crdsDir = candidates.find((dir) => existsSync(path.join(dir, "README.md")));
if (crdsDir === undefined) {
  console.error(`vendor-crds: no CRD collection (README.md) in ${candidates.join(", ")}`);
  process.exit(2);
}

/** The README's table, by file: `| file | kind | repository | path | tag (commit) | ... | license | size | form | sha256 |`. */
function sources(readme) {
  const rows = new Map();
  for (const line of readme.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = line.split(" | ").map((cell) =>
      cell
        .replace(/^\|\s*/, "")
        .replace(/\s*\|$/, "")
        .trim(),
    );
    const unquote = (cell) => cell.replace(/^`|`$/g, "");
    const repository = /\((https:\/\/[^)]+)\)/.exec(cells[2])?.[1];
    const tag = /^(\S+) \(([0-9a-f]{40})\)$/.exec(cells[4]);
    if (repository === undefined || tag === null) throw new Error(`vendor-crds: cannot read the README row of ${cells[0]}`);
    rows.set(unquote(cells[0]), {
      repository,
      path: unquote(cells[3]),
      tag: tag[1],
      commit: tag[2],
      license: cells[7],
      form: cells[9],
      sha256: unquote(cells[10]),
    });
  }
  return rows;
}

const table = sources(readFileSync(path.join(crdsDir, "README.md"), "utf8"));
mkdirSync(path.join(root, "schema/crds"), { recursive: true });
for (const entry of CUSTOM_RESOURCES) {
  const source = table.get(entry.crd);
  if (source === undefined) throw new Error(`vendor-crds: ${entry.crd} is not in ${crdsDir}/README.md`);
  const bytes = readFileSync(path.join(crdsDir, entry.crd));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  // A compact-JSON copy differs from upstream's bytes (same object): then the README's sha256 is upstream's.
  if (source.form === "verbatim" && sha256 !== source.sha256)
    throw new Error(`vendor-crds: ${entry.crd} is not the file its README row describes (sha256 ${sha256})`);
  const crd = parse(bytes.toString("utf8"));
  const [group, version] = entry.apiVersion.split("/");
  const served = crd.spec.versions.find((candidate) => candidate.name === version);
  if (crd.spec.group !== group || crd.spec.names.kind !== entry.kind || served?.served !== true) {
    throw new Error(`vendor-crds: ${entry.crd} does not serve ${entry.apiVersion} ${entry.kind}`);
  }
  const vendored = {
    source: { repository: source.repository, path: source.path, tag: source.tag, commit: source.commit, sha256: source.sha256, license: source.license },
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    openAPIV3Schema: withoutDescriptions(served.schema.openAPIV3Schema),
  };
  const file = path.join(root, "schema/crds", crdSchemaFile(entry));
  writeFileSync(file, `${JSON.stringify(vendored, null, 1)}\n`);
  console.log(`${path.relative(root, file)}: ${entry.apiVersion} ${entry.kind} from ${source.repository} ${source.tag}`);
}
