/** Reading the project's Markdown pages as the tests check them: links, anchors, code blocks. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** A relative link of a page: the file it names (relative to the page's directory) and its #fragment. */
export interface MarkdownLink {
  readonly target: string;
  readonly file: string;
  readonly fragment: string | undefined;
}

/** Relative links of a Markdown text (no URLs), in-page anchors included (file ""). Code spans and blocks are not links. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const targets = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
  return [...new Set(targets)]
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const hash = target.indexOf("#");
      return hash < 0 ? { target, file: target, fragment: undefined } : { target, file: target.slice(0, hash), fragment: target.slice(hash + 1) };
    });
}

/** Where the repository's files are on GitHub: links to them from shipped pages are absolute. */
export const REPOSITORY_BLOB = "https://github.com/argusai/argusai-kustomize/blob/main/";

/** Absolute links of a Markdown text into the repository (REPOSITORY_BLOB), as repository-relative links. */
export function repositoryLinks(markdown: string): MarkdownLink[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\((https:\/\/github\.com\/argusai\/argusai-kustomize\/blob\/main\/[^)\s]+)\)/g)].map((match) => {
    const target = match[1]!.slice(REPOSITORY_BLOB.length);
    const hash = target.indexOf("#");
    return hash < 0
      ? { target: match[1]!, file: target, fragment: undefined }
      : { target: match[1]!, file: target.slice(0, hash), fragment: target.slice(hash + 1) };
  });
}

/** Relative link targets of a Markdown text (no URLs, no in-page anchors), without #fragments. */
export function readmeLinks(markdown: string): string[] {
  return [...new Set(markdownLinks(markdown).flatMap((link) => (link.file === "" ? [] : [link.file])))];
}

/** The anchors GitHub (and npm) give a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = match[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The fenced TypeScript blocks of a page (```ts or ```typescript). */
export function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
}

/** The documentation pages, relative to the project root: the README, CONTRIBUTING and every docs/*.md. */
export async function documentationPages(): Promise<string[]> {
  const docs = (await readdir("docs").catch(() => [] as string[])).filter((name) => name.endsWith(".md")).sort();
  return ["README.md", "CONTRIBUTING.md", ...docs.map((name) => path.posix.join("docs", name))];
}

/** A page's text. */
export function readPage(page: string): Promise<string> {
  return readFile(page, "utf8");
}
