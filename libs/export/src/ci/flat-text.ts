/**
 * Text from a scanned host (a certificate name, a banner, a hostname) on one line: line breaks
 * and control characters become spaces, bidirectional overrides, non-characters and lone
 * surrogates go. A CI log reads each line as it comes, so a line break in such text could forge
 * a verdict line or a workflow command (`::error ::…` in GitHub Actions).
 */
export function flatText(text: string): string {
  return (
    text
      .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[\u202a-\u202e\u2066-\u2069\ufffe\uffff]|\p{Cs}/gu, '')
  );
}
