/**
 * Kubernetes resource quantities ("512Mi", "250m", "1.5", "1e3"), judged exactly as the API server
 * and kubelet will: exact decimal arithmetic (BigInt), never floating point, and only values a
 * Kubernetes `resource.Quantity` holds without rounding or overflow.
 *
 * The rules, from k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go):
 * - grammar `<signedNumber><suffix>`; `<number>` is `<digits>`, `<digits>.<digits>`, `<digits>.` or
 *   `.<digits>`; suffixes Ki Mi Gi Ti Pi Ei (2^10..2^60), n u m "" k M G T P E (10^-9..10^18), or
 *   `e`/`E` followed by a signed integer (a decimal exponent);
 * - parsing keeps a value only down to nano: a finer value is rounded up, away from zero ("0.1n"
 *   becomes "1n"), so it is not the value that was written;
 * - parsing silently caps a binary-SI value at 2^63-1 ("8Ei" becomes 2^63-1), and the `e`
 *   exponent is read as int64 then cast to int32, so "1e4294967296" wraps to "1";
 * - the int64 accessors overflow silently past 2^63-1: `Value` (units), which the kubelet and
 *   scheduler read bytes with, and `MilliValue` (thousandths), which they read CPU with;
 * - memory and storage that are not a whole number of bytes draw the API server warning
 *   "fractional byte value … is invalid, must be an integer" (pkg/api/pod/warnings.go) and are
 *   rounded up to the next byte.
 * So a value is accepted when it is a whole number of nano-units and at most 2^63-1 units (the
 * most a Quantity holds as written: "1Ei" and "9223372036854775807" are fine, "8Ei" is not);
 * bytes must be whole, and CPU at most 2^63-1 thousandths (MaxMilliQuantity), where
 * `MilliValue` stops being exact.
 */

/**
 * The Kubernetes quantity grammar, as a pattern (also used by the JSON Schema of environment
 * files). Matching it is necessary, not sufficient: see {@link parseQuantity} for the value limits.
 */
export const QUANTITY_PATTERN = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

/** An exact quantity: its value in nano-units (10^-9 of a core, of a byte...). */
export interface Quantity {
  readonly nanos: bigint;
}

/** The result of {@link parseQuantity}: an exact value, or why Kubernetes would not hold it as written. */
export type QuantityParse = { readonly ok: true; readonly value: Quantity } | { readonly ok: false; readonly problem: string };

const NANOS_PER_UNIT = 1_000_000_000n;
const MAX_INT64 = 2n ** 63n - 1n;
/** The most a Quantity holds as written, in nano-units: 2^63-1 units. */
const MAX_NANOS = MAX_INT64 * NANOS_PER_UNIT;
/** MaxMilliQuantity() in nano-units: 2^63-1 milli-units, the most CPU read with MilliValue. */
const MAX_CPU_NANOS = MAX_INT64 * 1_000_000n;
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * Parses a quantity exactly, or says why Kubernetes would not hold it as written (not the
 * grammar, finer than 1n, beyond 2^63-1 units). Never throws; the work is bounded whatever
 * the length of the text or its exponent.
 *
 * @example
 * parseQuantity("700m"); // { ok: true, value: { nanos: 700000000n } }
 * parseQuantity("1e309"); // { ok: false, problem: "is too large for Kubernetes ..." }
 */
export function parseQuantity(text: string): QuantityParse {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) return { ok: false, problem: "is not a Kubernetes quantity" };
  const [, signed = "", suffix = ""] = match;
  const negative = signed.startsWith("-");
  const [whole = "", fraction = ""] = signed.replace(/^[+-]/, "").split(".");
  // All digits as one integer `digits × 10^-fraction.length`, without leading or trailing zeros.
  let digits = `${whole}${fraction}`.replace(/^0+/, "");
  let exponent10 = -fraction.length;
  const trailing = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trailing);
  exponent10 += trailing;
  if (digits === "") return { ok: true, value: { nanos: 0n } };

  let exponent2 = 0;
  if (suffix in BINARY_SUFFIXES) exponent2 = BINARY_SUFFIXES[suffix]!;
  else if (suffix in DECIMAL_SUFFIXES) exponent10 += DECIMAL_SUFFIXES[suffix]!;
  else {
    // An `e` exponent: only its size matters when it is huge, so read it as a bounded number.
    const exponent = suffix.slice(1).replace(/^\+/, "");
    const magnitude = exponent.replace(/^-?0*/, "");
    if (magnitude.length > 6) return exponent.startsWith("-") ? tooFine() : tooLarge();
    exponent10 += Number(exponent);
  }

  // Bounds first, so a long or far-off number never becomes a big BigInt. The value is
  // digits × 10^exponent10 × 2^exponent2 with `digits` free of trailing zeros; at or above 10^19
  // units it is past 2^63-1 units whatever the suffix.
  if (digits.length + exponent10 > 19) return tooLarge();
  // In nano-units the value is digits × 2^exponent2 × 10^scale. With scale < 0 it is whole only
  // if 10^-scale divides digits × 2^exponent2; digits has no factor 10, so its 5s must cover
  // -scale and 2^exponent2 the 2s: -scale <= exponent2 <= 60. Then digits has at most 19 - exponent10
  // = 28 - scale <= 88 digits.
  const scale = exponent10 + 9;
  if (-scale > exponent2) return tooFine();
  const numerator = BigInt(digits) << BigInt(exponent2);
  let nanos: bigint;
  if (scale >= 0) {
    nanos = numerator * 10n ** BigInt(scale);
  } else {
    const divisor = 10n ** BigInt(-scale);
    if (numerator % divisor !== 0n) return tooFine();
    nanos = numerator / divisor;
  }
  if (nanos > MAX_NANOS) return tooLarge();
  return { ok: true, value: { nanos: negative ? -nanos : nanos } };
}

function tooLarge(): QuantityParse {
  return {
    ok: false,
    problem: "is too large: Kubernetes holds at most 9223372036854775807 (2^63-1) and caps or overflows a larger value",
  };
}

function tooFine(): QuantityParse {
  return { ok: false, problem: "is more precise than Kubernetes keeps: it rounds a quantity up to a whole 1n (10^-9 of a unit)" };
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`, exactly ("700m" equals "0.7"; "1Ki" equals "1024"). */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** What a quantity measures: CPU (any multiple of 1n) or bytes (memory, storage: whole bytes only). */
export type QuantityKind = "cpu" | "bytes";

/**
 * Why `text` is not a quantity Kubernetes takes as written for `kind`, or `undefined` when it is.
 * Bytes must be whole: the API server warns about a fractional byte value and rounds it up.
 *
 * @example
 * quantityProblem("500m", "bytes"); // "is a fraction of a byte (500m = 0.5 bytes): ..."
 */
export function quantityProblem(text: string, kind: QuantityKind): string | undefined {
  const parsed = parseQuantity(text);
  if (!parsed.ok) return parsed.problem;
  if (kind === "cpu" && parsed.value.nanos > MAX_CPU_NANOS) {
    return "is too large for CPU: the scheduler and kubelet read CPU in thousandths (MilliValue), which overflows past 9223372036854775807m";
  }
  if (kind === "bytes" && parsed.value.nanos % NANOS_PER_UNIT !== 0n) {
    const hint = text.endsWith("m") ? `; "m" is milli, not mega: write M or Mi` : "";
    return `is not a whole number of bytes (${text} is ${formatUnits(parsed.value.nanos)} bytes${hint}): Kubernetes warns "fractional byte value ... is invalid, must be an integer" and rounds it up`;
  }
  return undefined;
}

/**
 * Whether two quantity strings are the same value ("1" and "1000m"); `false` when either is not
 * a quantity Kubernetes holds.
 */
export function sameQuantity(a: string, b: string): boolean {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  return left.ok && right.ok && compareQuantities(left.value, right.value) === 0;
}

/** `nanos` as a plain decimal number of units ("0.5", "1536"), exactly. */
function formatUnits(nanos: bigint): string {
  const sign = nanos < 0n ? "-" : "";
  const magnitude = nanos < 0n ? -nanos : nanos;
  const fraction = (magnitude % NANOS_PER_UNIT).toString().padStart(9, "0").replace(/0+$/, "");
  return `${sign}${magnitude / NANOS_PER_UNIT}${fraction === "" ? "" : `.${fraction}`}`;
}
