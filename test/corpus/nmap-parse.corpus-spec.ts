import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { DriftwatchError, ErrorCode, type NetworkObservation } from '@driftwatch/core';
import { parseNmapXml, parseNmapXmlDetailed } from '@driftwatch/nmap';
import { assertCorpusPresent, CORPUS_DIR, corpusFiles, xmlFiles } from '@driftwatch/test/corpus';

// Third-party nmap output, read in place and never copied into the project (see its README.md).

/** <host> elements counted independently of the parser (not <hosts>, <hostnames> or <hosthint>). */
function countHostElements(xml: string): number {
  return (xml.replace(/<!--[\s\S]*?-->/g, '').match(/<host[\s>/]/g) ?? []).length;
}

describe('nmap XML corpus (real output of nmap 3.x-7.x)', () => {
  it('finds the corpus directory (set DRIFTWATCH_FIXTURES_DIR or check out ../shared)', () => {
    assertCorpusPresent();
    expect(xmlFiles(CORPUS_DIR).length).toBeGreaterThan(0);
  });

  const files = corpusFiles();

  it.each(files.map((f) => [path.relative(CORPUS_DIR, f), f]))(
    '%s parses with every <host> kept, or is refused as NmapOutputInvalid for a real defect',
    async (_relative, file) => {
      const xml = readFileSync(file, 'utf8');
      let observation: NetworkObservation | undefined;
      let refusal: unknown;
      try {
        observation = await parseNmapXml(createReadStream(file, { highWaterMark: 4096 }));
      } catch (error: unknown) {
        refusal = error;
      }
      if (refusal !== undefined) {
        // A refusal must be the parser's own, located verdict, never a crash or a bare sax error.
        expect(refusal).toBeInstanceOf(DriftwatchError);
        expect((refusal as DriftwatchError).code).toBe(ErrorCode.NmapOutputInvalid);
        expect((refusal as DriftwatchError).message).toMatch(
          /^Invalid nmap XML( at line \d+, column \d+)?: \S/,
        );
        return;
      }
      expect(observation?.hosts).toHaveLength(countHostElements(xml));
      for (const host of observation?.hosts ?? []) {
        expect(host.addresses.length).toBeGreaterThan(0);
        for (const port of host.ports) expect(port.port).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it.each(files.map((f) => [path.relative(CORPUS_DIR, f), f]))(
    '%s: checkOnly (what `diff` checks unchanged hosts with) accepts it or refuses it with the same message as a parse',
    async (_relative, file) => {
      const xml = readFileSync(file, 'utf8');
      const outcome = (options = {}) =>
        parseNmapXmlDetailed(xml, options).then(
          (result) => ({ hosts: result.observation.hosts.length }),
          (error: unknown) => ({ refused: (error as Error).message }),
        );
      const [parsed, checked] = await Promise.all([outcome(), outcome({ checkOnly: true })]);
      expect(checked).toEqual('refused' in parsed ? parsed : { hosts: 0 });
    },
  );

  it('parses a document the same from a string as from a stream', async () => {
    const file = files.find((f) => f.endsWith('random-1.xml')) ?? files[0];
    if (!file) throw new Error('corpus is empty');
    const fromString = await parseNmapXml(readFileSync(file, 'utf8'));
    const fromStream = await parseNmapXml(createReadStream(file, { highWaterMark: 97 }));
    expect(fromStream).toEqual(fromString);
  });
});
