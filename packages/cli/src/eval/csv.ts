/**
 * CSV output (RFC 4180).
 */

/** Options of {@link toCsv}. */
export interface CsvOptions {
  /** Columns in order. Default: every key of the rows, in order of first appearance. */
  readonly columns?: readonly string[];
}

/**
 * Formats rows as CSV following RFC 4180: a header line of column names, then one record
 * per row, every line ended by CRLF. A field containing a comma, double quote, CR or LF is
 * enclosed in double quotes with inner quotes doubled; numbers are written with
 * `String(n)` (shortest round-trip form); a column a row lacks is an empty field.
 *
 * @param rows - The records.
 * @param options - See {@link CsvOptions}.
 * @returns The CSV text; an empty string when there are no columns.
 */
export function toCsv(rows: readonly Readonly<Record<string, string | number>>[], options: CsvOptions = {}): string {
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (columns.length === 0) return '';
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => (Object.hasOwn(row, c) ? csvField(row[c] as string | number) : '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: string | number): string {
  const s = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
