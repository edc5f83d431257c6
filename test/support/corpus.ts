import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * nmap's own XML corpus: third-party data, read in place and never copied into the project.
 * Its location is test-harness input (CI may point it elsewhere), not application configuration.
 */
export const CORPUS_DIR =
  process.env.DRIFTWATCH_FIXTURES_DIR ?? path.resolve(__dirname, '../../../shared/fixtures/nmap-xml');

/** Published output-format schemas (OSCAL, SARIF), beside the nmap corpus in ../shared/fixtures; read in place. */
export const SCHEMAS_DIR = path.resolve(CORPUS_DIR, '../schemas');

/** Every *.xml file below `dir`, sorted, recursing into folders. */
export function xmlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return xmlFiles(full);
      return name.endsWith('.xml') ? [full] : [];
    });
}

/** The corpus files, or [] when it is missing (each suite then fails on `assertCorpusPresent`). */
export function corpusFiles(): string[] {
  return existsSync(CORPUS_DIR) ? xmlFiles(CORPUS_DIR) : [];
}

export function assertCorpusPresent(dir: string = CORPUS_DIR): void {
  if (!existsSync(dir)) {
    throw new Error(
      `nmap XML corpus not found at ${dir}; set DRIFTWATCH_FIXTURES_DIR or check out ../shared`,
    );
  }
}
