import { execFile } from 'node:child_process';

const VERSION_TIMEOUT_MS = 10_000;

/** nmap's version (e.g. "7.93") from `nmap --version`, or null when the binary cannot be run or says something else. */
export function nmapVersion(binary: string): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(
        binary,
        ['--version'],
        { shell: false, timeout: VERSION_TIMEOUT_MS, maxBuffer: 64 * 1024, encoding: 'utf8' },
        (error, stdout) => resolve(error ? null : parseNmapVersion(stdout)),
      );
    } catch {
      // execFile throws synchronously for arguments it cannot use (e.g. an empty path).
      resolve(null);
    }
  });
}

export function parseNmapVersion(text: string): string | null {
  return /^Nmap version ([0-9][0-9A-Za-z.]*)/m.exec(text)?.[1] ?? null;
}
