/**
 * The documentation as a reader meets it, on GitHub or on the npm page: a short README that starts
 * with the set-up commands and a quick start, pages whose links resolve (inside the package for
 * what ships, in the repository for CONTRIBUTING.md), and a troubleshooting section for every
 * error code. The TypeScript blocks of every page are compiled in consumer.test.ts.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors.js";
import { documentationPages, headingAnchors, markdownLinks, readPage, repositoryLinks } from "./markdown.js";
import { packedPackage } from "./packed.js";

let shipped: Set<string>;
let pages: string[];

beforeAll(async () => {
  shipped = new Set((await packedPackage()).files);
  pages = await documentationPages();
});

/** Where each relative link of `page` leads wrong: a file not in `exists`, or an anchor the target page does not have. */
async function brokenLinks(page: string, exists: (file: string) => boolean): Promise<string[]> {
  const broken: string[] = [];
  for (const link of markdownLinks(await readPage(page))) {
    const file = link.file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), link.file.replace(/\/$/, "")));
    if (!exists(file)) {
      broken.push(`${page}: ${link.target} (no ${file})`);
    } else if (link.fragment !== undefined && file.endsWith(".md") && !headingAnchors(await readPage(file)).has(link.fragment)) {
      broken.push(`${page}: ${link.target} (${file} has no heading #${link.fragment})`);
    }
  }
  return broken;
}

describe("the documentation", () => {
  it("README: at most 200 lines, the two set-up commands first, then a user's quick start", async () => {
    const readme = await readPage("README.md");
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock.split("\n")[0]).toMatch(/^npm ci && npm run generate\s/);
    expect(firstBlock.split("\n")[1]).toMatch(/^npm test\s/);
    const quickStart = readme.slice(readme.indexOf("## Quick start"));
    for (const step of [
      "npm pack",
      "npm i -D ./argusai-kustomize-0.1.0.tgz",
      "npx argusai-kustomize init",
      "envs/",
      "npx argusai-kustomize generate",
      "git commit",
      "argocd/",
    ]) {
      expect(quickStart).toContain(step);
    }
    for (const code of ["0", "1", "2", "3", "70", "130 / 143"]) expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
  });

  it("ships every page but CONTRIBUTING.md, and their relative links resolve inside the package, anchors included", async () => {
    const published = pages.filter((page) => page !== "CONTRIBUTING.md");
    expect(published.filter((page) => !shipped.has(page))).toEqual([]);
    const broken = (await Promise.all(published.map((page) => brokenLinks(page, (file) => shipped.has(file))))).flat();
    expect(broken).toEqual([]);
  });

  it("CONTRIBUTING.md's relative links resolve in the repository", async () => {
    expect(await brokenLinks("CONTRIBUTING.md", (file) => existsSync(file))).toEqual([]);
  });

  it("absolute links into the repository (to CONTRIBUTING.md, from pages that ship) name files and headings that exist", async () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of repositoryLinks(await readPage(page))) {
        if (!existsSync(link.file)) broken.push(`${page}: ${link.target} (no ${link.file})`);
        else if (link.fragment !== undefined && link.file.endsWith(".md") && !headingAnchors(await readPage(link.file)).has(link.fragment)) {
          broken.push(`${page}: ${link.target} (${link.file} has no heading #${link.fragment})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("troubleshooting.md has a section for every error code", async () => {
    const sections = [...(await readPage("docs/troubleshooting.md")).matchAll(/^## ([A-Z_]+)\b/gm)].map((match) => match[1]!);
    expect(Object.keys(ERROR_CODES).filter((code) => !sections.includes(code))).toEqual([]);
    expect(sections.filter((code) => code !== "UNEXPECTED" && !(code in ERROR_CODES))).toEqual([]);
  });
});
