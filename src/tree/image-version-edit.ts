import { isMap, isScalar, parseDocument } from "yaml";

/*
 * Image promotion edits an environment file as a person would: only the version's key and value
 * change, so comments, blank lines and alignment stay for the reviewer of the bump.
 */

/** The version `--set-image` sets: a tag or a digest (the repository, if any, stays). */
export type SetVersion = { readonly tag: string } | { readonly digest: string };

/**
 * The file's text with `images.<component>` set to a tag or digest. Where the file has a version
 * for the component, only that key and value are replaced in the text, so every comment, blank
 * and alignment stays (what a reviewer of Renovate's or a person's bump wants to see). Where it
 * has none, the entry is added through the YAML document (or JSON), which re-flows the file.
 */
export function withVersion(text: string, json: boolean, component: string, version: SetVersion): string {
  const [key, value] = "tag" in version ? (["tag", version.tag] as const) : (["digest", version.digest] as const);
  const document = parseDocument(text);
  const entry = document.getIn(["images", component], true);
  // The one tag or digest of the entry is replaced in place; other keys (a repository) stay.
  const versions = isMap(entry) ? entry.items.filter((pair) => isScalar(pair.key) && ["tag", "digest"].includes(String(pair.key.value))) : [];
  const pair = versions.length === 1 ? versions[0]! : undefined;
  if (pair !== undefined && isScalar(pair.key) && isScalar(pair.value) && pair.key.range && pair.value.range) {
    // Double-quoted: valid in YAML and JSON, and a tag like 1.10 stays the string "1.10".
    const newKey = pair.key.type === "PLAIN" ? key : JSON.stringify(key);
    const [keyStart, keyEnd] = pair.key.range;
    const [valueStart, valueEnd] = pair.value.range;
    return `${text.slice(0, keyStart)}${newKey}${text.slice(keyEnd, valueStart)}${JSON.stringify(value)}${text.slice(valueEnd)}`;
  }
  // An entry with no version yet (only a repository): the key is added as text beside the last
  // one, so the file's comments and layout stay as they were.
  const last = isMap(entry) && versions.length === 0 ? entry.items.at(-1) : undefined;
  if (last !== undefined && isScalar(last.key) && isScalar(last.value) && last.key.range && last.value.range) {
    const addition = `${key}: ${JSON.stringify(value)}`;
    const valueEnd = last.value.range[1];
    if ((entry as { flow?: boolean }).flow === true) return `${text.slice(0, valueEnd)}, ${addition}${text.slice(valueEnd)}`;
    const keyStart = last.key.range[0];
    const indent = text.slice(text.lastIndexOf("\n", keyStart - 1) + 1, keyStart);
    const lineEnd = text.indexOf("\n", valueEnd);
    if (/^[ ]*$/.test(indent)) {
      const at = lineEnd === -1 ? text.length : lineEnd;
      return `${text.slice(0, at)}\n${indent}${addition}${text.slice(at)}`;
    }
  }
  const current = isMap(entry) ? (entry.toJSON() as Record<string, unknown>) : {};
  const { tag: _tag, digest: _digest, ...kept } = current;
  if (json) {
    const spec = JSON.parse(text) as { images?: Record<string, unknown> };
    spec.images = { ...spec.images, [component]: { ...kept, [key]: value } };
    return `${JSON.stringify(spec, null, 2)}\n`;
  }
  const node = document.createNode({ ...kept, [key]: value });
  const scalar = node.items.find((item) => isScalar(item.key) && item.key.value === key)?.value;
  if (isScalar(scalar)) scalar.type = "QUOTE_DOUBLE";
  if (!isMap(document.getIn(["images"], true))) document.setIn(["images"], document.createNode({}));
  document.setIn(["images", component], node);
  return document.toString({ lineWidth: 0 });
}
