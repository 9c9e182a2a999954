/**
 * The field reference is generated from the schema and committed: it must be what the schema
 * says now (as for schema/environment.schema.json), describe every field, and list every rule.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { KUBERNETES_RULES } from "../../src/kubernetes/catalog.js";
import { environmentJsonSchema } from "../../src/model/environment-json-schema.js";
import { environmentFieldsMarkdown } from "../../src/model/environment-reference.js";
import { ENVIRONMENT_RULES } from "../../src/model/environment-rules.js";
import { environmentSpecSchema } from "../../src/model/environment-spec.js";

type Node = Record<string, unknown>;

/** Every named property of the JSON Schema, with its path, through alternatives, items and maps. */
function properties(node: Node, path = ""): Array<[string, Node]> {
  const found: Array<[string, Node]> = [];
  for (const [key, child] of Object.entries((node["properties"] as Record<string, Node> | undefined) ?? {})) {
    found.push([`${path}.${key}`, child], ...properties(child, `${path}.${key}`));
  }
  for (const alternative of [...((node["anyOf"] as Node[] | undefined) ?? []), ...((node["oneOf"] as Node[] | undefined) ?? [])])
    found.push(...properties(alternative, path));
  if (typeof node["items"] === "object") found.push(...properties(node["items"] as Node, `${path}[]`));
  if (typeof node["additionalProperties"] === "object") found.push(...properties(node["additionalProperties"] as Node, `${path}.<key>`));
  return found;
}

describe("docs/environment-fields.md", () => {
  it("is exactly what the schema generates (run npm run schema after changing the schema)", async () => {
    expect(await readFile("docs/environment-fields.md", "utf8")).toBe(environmentFieldsMarkdown());
  });

  it("has a row for every top-level field, argocd among them", () => {
    const markdown = environmentFieldsMarkdown();
    for (const key of Object.keys(environmentSpecSchema.shape)) expect(markdown).toContain(`| \`${key}\` |`);
    expect(markdown).toMatch(/\| `argocd\.enabled` \| boolean \| `false` \| Write argocd\/<name>\.yaml/);
  });

  it("gives defaults as metadata, not as prose in descriptions", () => {
    const markdown = environmentFieldsMarkdown();
    expect(markdown).toMatch(/\| `createNamespace` \| boolean \| `true` \|/);
    expect(markdown).toMatch(/\| `storage\.size` \| string \| `"10Gi"` \|/);
    expect(markdown).not.toMatch(/Default (true|false)/);
  });

  it("lists every cross-field rule, saying which only the validator checks, and every Kubernetes rule with its source or reason", () => {
    const markdown = environmentFieldsMarkdown();
    for (const rule of ENVIRONMENT_RULES) {
      expect(markdown).toContain(
        `| \`${rule.id}\` | ${rule.summary.replaceAll("|", "\\|")} | ${rule.jsonSchema !== undefined ? "yes" : "no: validator only"} |`,
      );
    }
    for (const rule of KUBERNETES_RULES) {
      expect(markdown).toContain(`| \`${rule.id}\` |`);
      expect(rule.upstream !== undefined || (rule.ours ?? "").length > 20).toBe(true);
    }
  });
});

describe("the JSON Schema", () => {
  it("describes every property", () => {
    const undescribed = properties(environmentJsonSchema()).filter(([, node]) => typeof node["description"] !== "string" || node["description"] === "");
    expect(undescribed.map(([path]) => path)).toEqual([]);
  });
});
