/**
 * Names, keys, label values, annotations, Ingress hosts and ports against tables derived from
 * k8s.io/apimachinery: pkg/util/validation/validation.go (IsDNS1123Label: at most 63,
 * `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, "must not contain dots" for a subdomain; IsDNS1123Subdomain: at
 * most 253, labels joined by '.'; IsWildcardDNS1123Subdomain: `\*\.` + a subdomain;
 * IsValidPortNum: 1-65535), pkg/api/validate/content (IsLabelKey: an optional subdomain prefix,
 * '/', a name of at most 63 `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`; IsLabelValue: empty or
 * such a name), pkg/api/validation/objectmeta.go (ValidateAnnotations: keys checked lowercased,
 * keys and values together at most 256 KiB, counted in bytes), and networking
 * validateIngressRules (a host that parses as an IP is refused; '*' only through
 * IsWildcardDNS1123Subdomain).
 */
import { describe, expect, it } from "vitest";
import {
  annotationsSizeProblem,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  ingressHostProblems,
  labelValueProblems,
  portNumberProblems,
  qualifiedNameProblems,
} from "../../src/kubernetes/names-rules.js";

const accepted = (problems: readonly string[]) => problems.length === 0;

describe("IsDNS1123Label", () => {
  it.each<[string, boolean]>([
    ["a", true],
    ["my-name", true],
    ["123-abc", true],
    ["x".repeat(63), true],
    ["x".repeat(64), false],
    ["", false],
    ["-a", false],
    ["a-", false],
    ["My-Name", false],
    ["a_b", false],
    ["a.b", false],
  ])("%j: %s", (value, ok) => expect(accepted(dns1123LabelProblems(value))).toBe(ok));

  it("says a subdomain must not contain dots, and echoes the value", () => {
    expect(dns1123LabelProblems("a.b")).toEqual(['"a.b" must not contain dots (a DNS-1123 label)']);
  });
});

describe("IsDNS1123Subdomain", () => {
  it.each<[string, boolean]>([
    ["example.com", true],
    ["a", true],
    ["a.b-c.d", true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true], // 253
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false], // 254
    ["Example.com", false],
    ["a..b", false],
    [".a", false],
    ["a.", false],
    ["a.-b", false],
    ["a_b.com", false],
  ])("%j: %s", (value, ok) => expect(accepted(dns1123SubdomainProblems(value))).toBe(ok));
});

describe("IsLabelKey (qualified names)", () => {
  it.each<[string, boolean]>([
    ["simple", true],
    ["now-with-dashes", true],
    ["1-starts-with-num", true],
    ["1234", true],
    ["simple/simple", true],
    ["now-with-dashes/simple", true],
    ["now-with-dashes/now-with-dashes", true],
    ["now.with.dots/simple", true],
    ["now-with.dashes-and.dots/simple", true],
    ["1-num.2-num/3-num", true],
    ["1234/5678", true],
    ["1.2.3.4/5678", true],
    ["Uppercase_Is_OK_123", true],
    ["example.com/Uppercase_Is_OK_123", true],
    ["requests.storage-foo", true],
    ["a".repeat(63), true],
    [`${"a".repeat(253)}/${"b".repeat(63)}`, true],
    ["nospecialchars%^=@", false],
    ["cantendwithadash-", false],
    ["-cantstartwithadash-", false],
    ["only/one/slash", false],
    ["Example.com/abc", false],
    ["example_com/user", false],
    ["example.com/user_", false],
    ["/simple", false],
    ["example.com/", false],
    ["", false],
    ["a".repeat(64), false],
    [`${"a".repeat(254)}/abc`, false],
  ])("%j: %s", (value, ok) => expect(accepted(qualifiedNameProblems(value))).toBe(ok));
});

describe("IsLabelValue", () => {
  it.each<[string, boolean]>([
    ["", true],
    ["simple", true],
    ["now-with-dashes", true],
    ["1-starts-with-num", true],
    ["end-with-num-1", true],
    ["1234", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["nospecialchars%^=@", false],
    ["Tama-nui-te-rā.Atua", false],
    ["-starts-with-dash", false],
    ["ends-with-dash-", false],
    [".starts.with.dot", false],
    ["ends.with.dot.", false],
    ["has space", false],
  ])("%j: %s", (value, ok) => expect(accepted(labelValueProblems(value))).toBe(ok));
});

describe("Ingress hosts", () => {
  it.each<[string, RegExp | undefined]>([
    ["argusai.example.com", undefined],
    ["*.example.com", undefined], // IsWildcardDNS1123Subdomain
    ["*.a.b.example.com", undefined],
    ["localhost", undefined],
    ["999.1.1.1", undefined], // not an IP (a part above 255): a valid DNS subdomain
    ["1.2.3", undefined], // not an IP either
    ["10.0.0.1", /^"10\.0\.0\.1" is an IP address: an Ingress host must be a DNS name$/],
    ["010.0.0.1", /is an IP address/], // ParseIPSloppy reads leading zeros
    ["*", /^"\*" is not a wildcard host: '\*' may only be the whole first label/],
    ["*example.com", /is not a wildcard host/],
    ["a.*.example.com", /is not a wildcard host/],
    ["*.*.example.com", /is not a wildcard host/],
    ["f*.example.com", /is not a wildcard host/],
    ["Argus.example.com", /^"Argus\.example\.com" is not a DNS name: it has uppercase letters/],
    ["https://argusai.example.com/", /it has a scheme or a path/],
    ["argusai.example.com:443", /it has a port/],
    ["argusai.example.com.", /it ends with a dot/],
    ["-a.example.com", /a part starts or ends with '-'/],
    ["a..example.com", /an empty part between dots/],
    ["argus_ai.example.com", /only lowercase letters, digits, '-' and '\.' are allowed/],
    ["a\u001b[2Jb.example.com", /^"a\\e\[2Jb\.example\.com" is not a DNS name/], // echoed, escaped
    ["a".repeat(254), /^is 254 characters long: at most 253$/],
  ])("%j", (host, expected) => {
    const problems = ingressHostProblems(host);
    if (expected === undefined) expect(problems).toEqual([]);
    else expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

describe("ValidateAnnotations' total size", () => {
  const LIMIT = 256 * 1024;
  it.each<[string, Record<string, string>, boolean]>([
    ["exactly 256 KiB", { a: "x".repeat(LIMIT - 1) }, true],
    ["one byte more", { a: "x".repeat(LIMIT) }, false],
    ["keys count too", { [`k${"y".repeat(9)}`]: "x".repeat(LIMIT - 10) }, true],
    ["keys count too, one over", { [`k${"y".repeat(10)}`]: "x".repeat(LIMIT - 10) }, false],
    // Counted in bytes of UTF-8, as Go's len(): 'é' is two bytes, one UTF-16 unit.
    ["multi-byte characters in bytes", { a: "é".repeat(LIMIT / 2) }, false],
    ["multi-byte characters within", { a: "é".repeat(LIMIT / 2 - 1) }, true],
  ])("%s", (_, annotations, ok) => {
    expect(annotationsSizeProblem(annotations) === undefined).toBe(ok);
  });
});

describe("IsValidPortNum", () => {
  it.each<[number, boolean]>([
    [1, true],
    [80, true],
    [65535, true],
    [0, false],
    [-1, false],
    [65536, false],
    [1.5, false],
  ])("%s: %s", (port, ok) => expect(accepted(portNumberProblems(port))).toBe(ok));
});
