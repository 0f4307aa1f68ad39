/** Whether `ncomp` may write ANSI escape codes (colours, line clearing) at all. */

/**
 * Whether ANSI escape codes are allowed by the environment: not when `NO_COLOR` is set to
 * a non-empty value (the no-color.org convention, which ncomp applies to every escape code,
 * not only colours) or when `TERM` is `dumb`. Whether the stream is a terminal is asked
 * separately (`isTTY`): escape codes go to terminals only.
 *
 * @param env - The environment; default `process.env`.
 */
export function ansiAllowed(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const noColor = env['NO_COLOR'];
  return (noColor === undefined || noColor === '') && env['TERM'] !== 'dumb';
}
