/**
 * Script output without the lines that record when the scan ran rather than what it found: in
 * http-headers, the response's Date header is the time of the request, so it changes on every
 * scan of every web port. Drift compares outputs in this form, and snapshots store it.
 */
const PER_REQUEST_LINES: Readonly<Record<string, RegExp>> = {
  'http-headers': /^[ \t]*Date:.*$/i,
};

export function comparableOutput(id: string, output: string): string {
  const volatile = PER_REQUEST_LINES[id];
  if (!volatile) return output;
  return output
    .split('\n')
    .filter((line) => !volatile.test(line.replace(/\r$/, '')))
    .join('\n');
}
