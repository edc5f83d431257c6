import { CliUsageError } from '@driftwatch/cli/cli-error';

/**
 * A configuration document's bytes as text. Documents travel as JSON strings, so they must be
 * text; read leniently, a byte that is not UTF-8 (a Latin-1 comment) became U+FFFD and the
 * document stored was not the file. Refused instead, naming the first such byte.
 */
export function utf8Document(bytes: Buffer, file: string, command: string): string {
  try {
    // The BOM is kept, as the API keeps what it is sent.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliUsageError(
      `${command}: ${file} is not UTF-8 text (byte ${firstInvalidUtf8(bytes)} is not); convert it first, ` +
        `e.g. iconv -f latin1 -t utf-8 ${file}`,
    );
  }
}

/** The offset of the first byte that does not start or continue a UTF-8 sequence (for the message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] ?? 0;
    const more =
      lead < 0x80
        ? 0
        : lead >= 0xc2 && lead <= 0xdf
          ? 1
          : lead >= 0xe0 && lead <= 0xef
            ? 2
            : lead >= 0xf0 && lead <= 0xf4
              ? 3
              : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return bytes.length;
}
