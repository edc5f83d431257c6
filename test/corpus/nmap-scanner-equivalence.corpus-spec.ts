import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import {
  parseNmapXmlDetailed,
  parseNmapXmlWithSax,
  type NmapXmlParseResult,
} from '@driftwatch/nmap/nmap-xml.parser';
import { assertCorpusPresent, CORPUS_DIR, corpusFiles, xmlFiles } from '@driftwatch/test/corpus';

type Outcome = { result: NmapXmlParseResult } | { refused: string };

async function outcome(parse: () => Promise<NmapXmlParseResult>): Promise<Outcome> {
  try {
    return { result: await parse() };
  } catch (error: unknown) {
    // A refusal is the parser's own verdict, never a crash.
    expect(error).toBeInstanceOf(DriftwatchError);
    expect((error as DriftwatchError).code).toBe(ErrorCode.NmapOutputInvalid);
    return { refused: (error as DriftwatchError).message };
  }
}

function chunks(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

/** Both accepted with deep-equal results, or both refused. */
function expectSame(scanner: Outcome, reference: Outcome): void {
  if ('refused' in reference) {
    expect(scanner).toEqual({ refused: expect.stringMatching(/^Invalid nmap XML/) });
  } else {
    expect(scanner).toEqual(reference);
  }
}

describe('nmap XML scanner equals the sax reference parser on the real corpus', () => {
  it('finds the corpus directory (set DRIFTWATCH_FIXTURES_DIR or check out ../shared)', () => {
    assertCorpusPresent();
    expect(xmlFiles(CORPUS_DIR).length).toBeGreaterThan(0);
  });

  const files = corpusFiles();

  it.each(files.map((f) => [path.relative(CORPUS_DIR, f), f]))(
    '%s: same result (or both refuse) from a string and from 1-, 7-, 64- and 4096-byte chunks',
    async (_relative, file) => {
      const bytes = readFileSync(file);
      const text = bytes.toString('utf8');
      const reference = await outcome(() => parseNmapXmlWithSax(text));
      expectSame(await outcome(() => parseNmapXmlDetailed(text)), reference);
      for (const size of [1, 7, 64, 4096]) {
        // sax itself must agree with its own string parse, or the comparison below means little.
        expect(await outcome(() => parseNmapXmlWithSax(chunks(bytes, size)))).toEqual(reference);
        expectSame(await outcome(() => parseNmapXmlDetailed(chunks(bytes, size))), reference);
      }
    },
  );
});
