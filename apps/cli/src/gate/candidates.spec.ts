import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { readCandidates } from './candidates';

describe('readCandidates', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-candidates-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a plain file starting with < (after a BOM and blanks) as the nmap XML', () => {
    const xml = '\uFEFF\n  <?xml version="1.0"?><nmaprun/>';
    expect(readCandidates([file('scan.xml', xml)])).toEqual({ nmapXml: xml, documents: [] });
  });

  // Read as UTF-8, the Latin-1 bytes of an iso-8859-1 document became U+FFFD: the dry run judged
  // another text than an import of the same file stores.
  it('reads nmap XML in the encoding its declaration names, as an import of the bytes does', () => {
    const path = join(dir, 'old.xml');
    const xml =
      '<?xml version="1.0" encoding="iso-8859-1"?><nmaprun><host><hostnames><hostname name="café"/></hostnames></host></nmaprun>';
    writeFileSync(path, Buffer.from(xml, 'latin1'));
    expect(readCandidates([path]).nmapXml).toBe(xml);
  });

  it('refuses a document that is not UTF-8, naming the file and the first bad byte, instead of altering it', () => {
    const path = join(dir, 'sshd_latin1.conf');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('# r'), Buffer.from([0xe9]), Buffer.from('seau\nport 22\n')]),
    );
    expect(() => readCandidates([`sshd-config:192.0.2.5:${path}`])).toThrow(
      new CliUsageError(
        `gate: ${path} is not UTF-8 text (byte 3 is not); convert it first, e.g. iconv -f latin1 -t utf-8 ${path}`,
      ),
    );
  });

  it('reads KIND[@TAG]:ASSET:FILE as a document, the asset between the first and last colon (IPv6)', () => {
    const rules = file('rules.json', '{"nftables":[]}');
    expect(readCandidates([`nft-ruleset@running:2001:db8::5:${rules}`]).documents).toEqual([
      { kind: 'nft-ruleset', asset: '2001:db8::5', tag: 'running', content: '{"nftables":[]}' },
    ]);
  });

  it('reads a path holding colons: an nmap XML file, and a document file after an IPv6 asset', () => {
    const xml = file('scan-2026-11-24T10:00.xml', '<nmaprun/>');
    const sshd = file('sshd:T.conf', 'port 22\n');
    expect(readCandidates([xml, `sshd-config:2001:db8::5:${sshd}`])).toEqual({
      nmapXml: '<nmaprun/>',
      documents: [{ kind: 'sshd-config', asset: '2001:db8::5', content: 'port 22\n' }],
    });
  });

  it.each([
    ['a plain file that is not XML', () => [file('notes.txt', 'hello')], 'is not nmap XML'],
    ['two nmap XML files', () => [file('a.xml', '<a/>'), file('b.xml', '<b/>')], 'a second nmap XML'],
    ['an unknown kind', () => ['firewall:10.0.5.1:x'], 'names no configuration kind'],
    ['an unknown tag', () => ['sshd-config@saved:10.0.5.1:x'], 'has a bad tag'],
    ['no asset', () => ['sshd-config::x'], 'KIND[@TAG]:ASSET:FILE'],
    ['an unreadable file', () => [join(dir, 'missing.xml')], 'cannot read'],
  ])('refuses %s as a usage error naming the argument', (_name, args, message) => {
    const call = () => readCandidates(args());
    expect(call).toThrow(CliUsageError);
    expect(call).toThrow(message);
  });
});
