import { quoted } from "../printable.js";
import { DNS1123_LABEL, DNS1123_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX_LENGTH, LABEL_VALUE } from "./names.js";

/*
 * The API server's rules for names, keys, label values and annotations, mirrored from
 * k8s.io/apimachinery: pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain,
 * IsWildcardDNS1123Subdomain, IsValidPortNum), pkg/api/validate/content (IsLabelKey, IsLabelValue)
 * and pkg/api/validation (ValidateAnnotations). Each returns every problem of the value (empty
 * when Kubernetes accepts it), in our words, with the offending value echoed (escaped).
 */

/** LabelValueMaxLength, and the most the name part of a qualified name may hold. */
export const QUALIFIED_NAME_PART_MAX_LENGTH = 63;
/** TotalAnnotationSizeLimitB: keys and values of one object's annotations together, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const WILDCARD_DNS1123_SUBDOMAIN = new RegExp(`^\\*\\.${DNS1123_SUBDOMAIN.source.slice(1)}`);
/** An IPv4 address as Go's sloppy parser reads it (leading zeros allowed), for "not an IP". */
const IPV4_SLOPPY = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;

/** IsDNS1123Label. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_LABEL_MAX_LENGTH) problems.push(`is ${value.length} characters long: at most ${DNS1123_LABEL_MAX_LENGTH}`);
  if (!DNS1123_LABEL.test(value)) {
    problems.push(
      DNS1123_SUBDOMAIN.test(value)
        ? `${quoted(value)} must not contain dots (a DNS-1123 label)`
        : `${quoted(value)} is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (like my-name)`,
    );
  }
  return problems;
}

/** IsDNS1123Subdomain. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) problems.push(`is ${value.length} characters long: at most ${DNS1123_SUBDOMAIN_MAX_LENGTH}`);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    problems.push(
      `${quoted(value)} is not a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit (like example.com)`,
    );
  }
  return problems;
}

/**
 * The host of an Ingress rule (networking validateIngressRules): not an IP address; a wildcard
 * only as the whole first label (`*.example.com`, IsWildcardDNS1123Subdomain), else a DNS-1123
 * subdomain. What is wrong is said in words, with the host echoed.
 */
export function ingressHostProblems(host: string): string[] {
  const problems: string[] = [];
  if (isIPv4Sloppy(host)) problems.push(`${quoted(host)} is an IP address: an Ingress host must be a DNS name`);
  if (host.length > DNS1123_SUBDOMAIN_MAX_LENGTH) problems.push(`is ${host.length} characters long: at most ${DNS1123_SUBDOMAIN_MAX_LENGTH}`);
  if (host.includes("*")) {
    if (!WILDCARD_DNS1123_SUBDOMAIN.test(host)) {
      problems.push(`${quoted(host)} is not a wildcard host: '*' may only be the whole first label, followed by a DNS name (like *.example.com)`);
    }
  } else if (problems.length === 0 && !DNS1123_SUBDOMAIN.test(host)) {
    problems.push(`${quoted(host)} is not a DNS name: ${hostDefect(host)}`);
  }
  return problems;
}

/** What is wrong with a host that is no DNS-1123 subdomain, in the words an operator looks for. */
function hostDefect(host: string): string {
  if (host === "") return "it is empty";
  if (/[A-Z]/.test(host)) return "it has uppercase letters (Kubernetes takes lowercase only)";
  if (host.includes("://") || host.includes("/")) return "it has a scheme or a path (give the host name only)";
  if (host.includes(":")) return "it has a port (give the host name only)";
  if (host.endsWith(".")) return "it ends with a dot";
  if (/(^|\.)-|-($|\.)/.test(host)) return "a part starts or ends with '-'";
  if (host.includes("..") || host.startsWith(".")) return "it has an empty part between dots";
  return "only lowercase letters, digits, '-' and '.' are allowed";
}

function isIPv4Sloppy(value: string): boolean {
  const match = IPV4_SLOPPY.exec(value);
  return match?.slice(1).every((part) => Number(part) <= 255) ?? false;
}

/**
 * IsLabelKey (IsQualifiedName): an optional DNS-1123 subdomain prefix and '/', then a name of at
 * most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit.
 */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split("/");
  if (parts.length > 2) return [`${quoted(value)} is not a valid key: at most one '/', between a DNS prefix and a name (like example.com/my-key)`];
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix === "") problems.push(`${quoted(value)} has an empty prefix before '/'`);
    else for (const problem of dns1123SubdomainProblems(prefix)) problems.push(`its prefix ${problem}`);
  }
  if (name === "") problems.push(`${quoted(value)} has an empty name${prefix !== undefined ? " after '/'" : ""}`);
  else {
    if (name.length > QUALIFIED_NAME_PART_MAX_LENGTH)
      problems.push(`its name part is ${name.length} characters long: at most ${QUALIFIED_NAME_PART_MAX_LENGTH}`);
    if (!NAME_PART.test(name))
      problems.push(`${quoted(value)} is not a valid key: the name must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
  }
  return problems;
}

/** IsLabelValue: empty, or at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit. */
export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > QUALIFIED_NAME_PART_MAX_LENGTH)
    problems.push(`is ${value.length} characters long: a label value holds at most ${QUALIFIED_NAME_PART_MAX_LENGTH}`);
  if (!LABEL_VALUE.test(value))
    problems.push(`${quoted(value)} is not a valid label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
  return problems;
}

/**
 * ValidateAnnotations' size rule: keys and values together at most 256 KiB, counted in bytes of
 * UTF-8 as the API server counts them (not in characters). Keys are checked on their own field.
 */
export function annotationsSizeProblem(annotations: Readonly<Record<string, unknown>>): string | undefined {
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) size += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
  return size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES
    ? `are ${size} bytes in all: the API server takes at most ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} (256 KiB) of keys and values together`
    : undefined;
}

/** IsValidPortNum: 1 to 65535. */
export function portNumberProblems(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65_535 ? [] : [`${port} is not a port number: between 1 and 65535`];
}
