/** Relative link targets of a Markdown text (no URLs, no in-page anchors), without #fragments. */
export function readmeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
  return [...new Set(targets.filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#")).map((target) => target.replace(/#.*$/, "")))];
}
