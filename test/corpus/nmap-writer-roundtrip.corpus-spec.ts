import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalContent, snapshotContentHash } from '@driftwatch/core';
import { parseNmapXml, renderNmapXml } from '@driftwatch/nmap';
import { parseNmapXmlWithSax } from '@driftwatch/nmap/nmap-xml.parser';
import { assertCorpusPresent, CORPUS_DIR, corpusFiles, xmlFiles } from '@driftwatch/test/corpus';

// Third-party nmap output, read in place and never copied into the project (see its README.md).
// Each document nmap wrote is parsed, rendered back to nmap XML by the writer and parsed again:
// a snapshot exported as nmap XML must carry exactly the content that was stored.

describe('nmap XML writer round trip over the corpus (real output of nmap 3.x-7.x)', () => {
  it('finds the corpus directory (set DRIFTWATCH_FIXTURES_DIR or check out ../shared)', () => {
    assertCorpusPresent();
    expect(xmlFiles(CORPUS_DIR).length).toBeGreaterThan(0);
  });

  it.each(corpusFiles().map((f) => [path.relative(CORPUS_DIR, f), f]))(
    '%s parses, renders and parses back to the same content hash, hosts and run info',
    async (_relative, file) => {
      // Every document of this corpus parses (nmap-parse.corpus-spec.ts); one refused would fail here.
      const first = await parseNmapXml(readFileSync(file, 'utf8'));
      const xml = renderNmapXml(first, { comment: `rendered from ${path.basename(file)}` });
      const second = await parseNmapXml(xml);

      const before = canonicalContent(first.hosts).hosts;
      const after = canonicalContent(second.hosts).hosts;
      expect(snapshotContentHash(after)).toBe(snapshotContentHash(before));
      expect(after).toEqual(before);
      expect(second.run).toEqual(first.run);
      // Everything else the model holds (host times, host order, duplicates) survives too.
      expect(second.hosts).toEqual(first.hosts);
      expect((await parseNmapXmlWithSax(xml)).observation).toEqual(second);
      expect(renderNmapXml(second, { comment: `rendered from ${path.basename(file)}` })).toBe(xml);
    },
  );
});
