/**
 * Strict parsing of numbers given on the command line: decimal notation only, so that
 * `""` is not taken as 0 (as `Number("")` does) nor `0x2` as 2, `1_0` as NaN-but-maybe,
 * or `Infinity` as a quality.
 */

/** A plain decimal number: optional sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The value of `text` when it is a finite decimal number (`2`, `-0.5`, `1e-3`), else
 * undefined (empty, blank, hexadecimal, binary, `Infinity`, `NaN`, trailing text).
 */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
