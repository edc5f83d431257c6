import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { assertCorpusPresent, CORPUS_DIR } from '@driftwatch/test/corpus';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/apps/cli/main.js');
const PACK = path.resolve(__dirname, '../../policies/pci-dss-v4');

interface CliFinding {
  ruleId: string;
  requirements: string[];
  address: string;
  port?: number;
  protocol?: string;
}

describe('the PCI DSS v4.0.1 pack on ndiff/random-1.xml (real nmap output)', () => {
  it('flags every telnet and FTP service under 2.2.7 and 8.3.2, with exit 1 at --fail-on high', async () => {
    assertCorpusPresent();
    const file = path.join(CORPUS_DIR, 'ndiff', 'random-1.xml');
    const failed = await run(process.execPath, [
      CLI,
      'evaluate',
      '--nmap-xml',
      file,
      '--policy',
      PACK,
      '--format',
      'json',
      '--fail-on',
      'high',
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const { findings } = JSON.parse(failed?.stdout ?? '{}') as { findings: CliFinding[] };

    // The services nmap named telnet or ftp, read straight from the XML's <port> elements.
    const { parseNmapXml } = await import('@driftwatch/nmap');
    const { createReadStream } = await import('node:fs');
    const scan = await parseNmapXml(createReadStream(file));
    const cleartext = scan.hosts.flatMap((h) =>
      h.status !== 'up'
        ? []
        : h.ports
            .filter((p) => p.state === 'open' && ['telnet', 'ftp'].includes(p.service?.name ?? ''))
            .map((p) => `${h.addresses.find((a) => a.type === 'ipv4')?.addr} ${p.protocol}/${p.port}`),
    );
    expect(cleartext.length).toBeGreaterThanOrEqual(10);

    const flagged = (requirement: string) =>
      new Set(
        findings
          .filter((f) => f.requirements.includes(requirement))
          .map((f) => `${f.address} ${f.protocol}/${f.port}`),
      );
    for (const requirement of ['2.2.7', '8.3.2']) {
      const set = flagged(requirement);
      expect(cleartext.filter((service) => !set.has(service))).toEqual([]);
    }
  });
});
