import { quoted } from "../printable.js";

/*
 * CIDRs as a NetworkPolicy's ipBlock takes them (networking ValidateIPBlock: the cidr, and each
 * `except` entry a strict subset of it). The API server parses with k8s.io/utils/net
 * ParseCIDRSloppy: an IPv4 or IPv6 address, '/', a prefix length of at most 32 or 128.
 *
 * Two rules are ours, each where the API server only warns (apimachinery GetWarningsForCIDR):
 * - no leading zeros in an IPv4 part ("010.0.0.0/8"): Kubernetes reads them as decimal, other
 *   tools as octal, and it announces it will refuse them;
 * - no bits set after the prefix ("10.0.0.1/8"): the API server calls it ambiguous (a network or
 *   a single address?); the policy would silently mean the whole 10.0.0.0/8.
 */

/** A parsed CIDR: the address as a bit string, its family's width and the prefix length. */
interface Cidr {
  readonly bits: bigint;
  readonly width: 32 | 128;
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Every problem of `value` as an ipBlock CIDR; empty when Kubernetes takes it (and so do we). */
export function cidrProblems(value: string): string[] {
  const parsed = parseCidr(value);
  return typeof parsed === "string" ? [parsed] : [];
}

/**
 * The problems of an ipBlock (`cidr` and its `except` entries), by field: `except.<index>` for
 * an entry. An entry must lie inside the cidr and be smaller than it.
 */
export function ipBlockProblems(cidr: string, except: readonly string[] = []): { readonly field: ReadonlyArray<string | number>; readonly message: string }[] {
  const outer = parseCidr(cidr);
  const problems: { field: ReadonlyArray<string | number>; message: string }[] = typeof outer === "string" ? [{ field: ["cidr"], message: outer }] : [];
  except.forEach((entry, index) => {
    const inner = parseCidr(entry);
    if (typeof inner === "string") problems.push({ field: ["except", index], message: inner });
    else if (typeof outer !== "string" && !strictlyInside(inner, outer)) {
      problems.push({
        field: ["except", index],
        message: `${quoted(entry)} is not a strict subset of ${quoted(cidr)}: an except entry must lie inside the cidr and be smaller`,
      });
    }
  });
  return problems;
}

function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  if (inner.width !== outer.width || inner.prefix <= outer.prefix) return false;
  const shift = BigInt(outer.width - outer.prefix);
  return inner.bits >> shift === outer.bits >> shift;
}

/** The CIDR, or what is wrong with it (with the value echoed). */
function parseCidr(value: string): Cidr | string {
  const shown = quoted(value);
  const slash = value.indexOf("/");
  if (slash === -1) return `${shown} is not a CIDR: it has no /prefix length (like 10.0.0.0/8 or 2001:db8::/32)`;
  const address = value.slice(0, slash);
  const length = value.slice(slash + 1);
  const ipv4 = IPV4.exec(address);
  let bits: bigint;
  let width: 32 | 128;
  if (ipv4 !== null) {
    const parts = ipv4.slice(1);
    if (parts.some((part) => Number(part) > 255)) return `${shown} is not a CIDR: ${quoted(address)} has a part above 255`;
    if (parts.some((part) => part.length > 1 && part.startsWith("0"))) {
      return `${shown} has a leading zero in an address part: Kubernetes reads it as decimal, other tools as octal, and warns it will refuse it; write ${parts.map(Number).join(".")}/${length}`;
    }
    bits = parts.reduce((sum, part) => (sum << 8n) | BigInt(part), 0n);
    width = 32;
  } else {
    const parsed = parseIPv6(address);
    if (parsed === undefined) return `${shown} is not a CIDR: ${quoted(address)} is not an IPv4 or IPv6 address`;
    bits = parsed;
    width = 128;
  }
  if (!/^\d{1,3}$/.test(length)) return `${shown} is not a CIDR: the prefix length ${quoted(length)} is not a number`;
  const prefix = Number(length);
  if (prefix > width) return `${shown} is not a CIDR: the prefix length /${prefix} is above ${width}, the bits of an ${width === 32 ? "IPv4" : "IPv6"} address`;
  const hostBits = bits & ((1n << BigInt(width - prefix)) - 1n);
  if (hostBits !== 0n) {
    const network = bits - hostBits;
    return `${shown} has bits set after the /${prefix} prefix: the API server warns it is ambiguous; write ${formatAddress(network, width)}/${prefix} for the network, or /${width} for one address`;
  }
  return { bits, width, prefix };
}

/** An IPv6 address (RFC 4291 text forms, with an embedded IPv4 tail), or undefined. No zone. */
function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let tail: bigint[] = [];
  let body = text;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const ipv4 = IPV4.exec(text.slice(lastColon + 1));
    if (ipv4 === null || ipv4.slice(1).some((part) => Number(part) > 255 || (part.length > 1 && part.startsWith("0")))) return undefined;
    const [a, b, c, d] = ipv4.slice(1).map((part) => BigInt(part)) as [bigint, bigint, bigint, bigint];
    tail = [(a << 8n) | b, (c << 8n) | d];
    // "::ffff:1.2.3.4" -> "::ffff", "::1.2.3.4" -> "::": the groups before the IPv4 tail.
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const group = (part: string) => (part === "" ? [] : part.split(":"));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if ([...head, ...rest].some((part) => !/^[0-9A-Fa-f]{1,4}$/.test(part))) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head.map((part) => BigInt(`0x${part}`)), ...Array<bigint>(8 - total).fill(0n), ...rest.map((part) => BigInt(`0x${part}`)), ...tail];
  return groups.reduce((sum, part) => (sum << 16n) | part, 0n);
}

function formatAddress(bits: bigint, width: 32 | 128): string {
  if (width === 32) return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, index) => ((bits >> BigInt(112 - index * 16)) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) becomes "::" (RFC 5952).
  let best = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let end = start;
    while (end < 8 && groups[end] === "0") end += 1;
    if (end - start > bestLength) [best, bestLength] = [start, end - start];
  }
  if (best === -1) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}
