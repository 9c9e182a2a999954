/**
 * CIDRs against a table derived from networking ValidateIPBlock and k8s.io/utils/net
 * ParseCIDRSloppy (Go's net.ParseCIDR, leading zeros allowed): an IPv4 address of four parts up
 * to 255 or an IPv6 address, '/', a prefix length up to 32 or 128; each `except` entry must be a
 * strict subset of the cidr (contained, with a longer prefix). And two rules of ours where the API
 * server only warns (GetWarningsForCIDR): leading zeros, and bits set after the prefix.
 */
import { describe, expect, it } from "vitest";
import { cidrProblems, ipBlockProblems } from "../../src/kubernetes/network.js";

describe("CIDRs (ParseCIDRSloppy)", () => {
  it.each<[string, RegExp | undefined]>([
    ["10.0.0.0/8", undefined],
    ["0.0.0.0/0", undefined],
    ["192.168.1.0/24", undefined],
    ["203.0.113.7/32", undefined],
    ["::/0", undefined],
    ["fe80::/10", undefined],
    ["2001:db8::/32", undefined],
    ["::1/128", undefined],
    ["1:2:3:4:5:6:7:8/128", undefined],
    ["::ffff:10.0.0.1/128", undefined],
    ["10.0.0.0/33", /^"10\.0\.0\.0\/33" is not a CIDR: the prefix length \/33 is above 32/],
    ["300.1.2.3/8", /^"300\.1\.2\.3\/8" is not a CIDR: "300\.1\.2\.3" has a part above 255/],
    ["fe80::/200", /^"fe80::\/200" is not a CIDR: the prefix length \/200 is above 128/],
    ["2001:db8::/129", /above 128/],
    ["10.0.0.0", /has no \/prefix length/],
    ["10.0.0/8", /is not an IPv4 or IPv6 address/],
    ["10.0.0.0.0/8", /is not an IPv4 or IPv6 address/],
    ["1::2::3/64", /is not an IPv4 or IPv6 address/],
    ["1:2:3:4:5:6:7:8:9/128", /is not an IPv4 or IPv6 address/],
    ["fe80::1%eth0/64", /is not an IPv4 or IPv6 address/], // no zones in a CIDR
    ["10.0.0.0/x", /the prefix length "x" is not a number/],
    ["10.0.0.0/-1", /is not a number/],
    ["example.com/8", /is not an IPv4 or IPv6 address/],
    // Ours: the API server warns these will be refused, or are ambiguous.
    ["010.0.0.0/8", /has a leading zero in an address part.*write 10\.0\.0\.0\/8/],
    ["10.0.0.1/8", /has bits set after the \/8 prefix.*write 10\.0\.0\.0\/8 for the network, or \/32 for one address/],
    ["2001:db8::1/64", /has bits set after the \/64 prefix.*write 2001:db8::\/64/],
  ])("%j", (cidr, expected) => {
    const problems = cidrProblems(cidr);
    if (expected === undefined) expect(problems).toEqual([]);
    else expect(problems).toEqual([expect.stringMatching(expected)]);
  });
});

describe("ipBlock except (a strict subset of the cidr)", () => {
  it.each<[string, string[], Array<[number, RegExp]>]>([
    ["10.0.0.0/8", ["10.1.0.0/16", "10.255.255.0/24"], []],
    ["2001:db8::/32", ["2001:db8:1::/48"], []],
    ["10.0.0.0/8", ["11.0.0.0/16"], [[0, /"11\.0\.0\.0\/16" is not a strict subset of "10\.0\.0\.0\/8"/]]],
    ["10.0.0.0/8", ["10.0.0.0/8"], [[0, /not a strict subset/]]], // equal: not strict
    ["10.0.0.0/16", ["10.0.0.0/8"], [[0, /not a strict subset/]]], // larger
    ["10.0.0.0/8", ["2001:db8::/48"], [[0, /not a strict subset/]]], // other family
    ["10.0.0.0/8", ["10.0.0.0/33", "10.2.0.0/16"], [[0, /prefix length \/33 is above 32/]]],
  ])("%s except %j", (cidr, except, expected) => {
    const problems = ipBlockProblems(cidr, except);
    expect(problems.map((problem) => [problem.field, problem.message])).toEqual(
      expected.map(([index, message]) => [["except", index], expect.stringMatching(message)]),
    );
  });

  it("a bad cidr is reported on cidr, and its entries are not compared with it", () => {
    expect(ipBlockProblems("10.0.0.0/40", ["10.1.0.0/16"])).toEqual([{ field: ["cidr"], message: expect.stringMatching(/above 32/) }]);
  });
});
