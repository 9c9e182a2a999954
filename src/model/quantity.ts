/**
 * Kubernetes resource quantities ("512Mi", "250m", "1.5", "1e3"). Only what validation needs:
 * is a string a quantity, and how do two compare.
 */

/** The Kubernetes quantity grammar (k8s.io/apimachinery resource.Quantity). */
export const QUANTITY_PATTERN = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a quantity as a number (bytes, cores...), or `undefined` if the string is not a
 * Kubernetes quantity (e.g. "512MB", "1 Gi", "").
 *
 * @example
 * quantityValue("512Mi"); // 536870912
 * quantityValue("250m");  // 0.25
 */
export function quantityValue(quantity: string): number | undefined {
  const match = QUANTITY_PATTERN.exec(quantity);
  if (match === null) return undefined;
  const [, number, suffix = ""] = match;
  const factor = SUFFIX_FACTORS[suffix] ?? 10 ** Number(suffix.slice(1));
  return Number(number) * factor;
}
