import { documentWithHosts, sameHost, splitHostBlocks } from './nmap-xml.host-blocks';
import { parseNmapXml, relocateNmapXmlError } from './nmap-xml.parser';

const host = (addr: string, port: number, state: string, start = 1700000000, srtt = 100) =>
  `<host starttime="${start}" endtime="${start + 5}"><status state="up" reason="syn-ack" reason_ttl="0"/>
<address addr="${addr}" addrtype="ipv4"/><address addr="00:11:22:33:44:55" addrtype="mac" vendor="Acme"/>
<hostnames><hostname name="h-${addr}" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="${port}"><state state="${state}" reason="syn-ack" reason_ttl="0"/><service name="ssh" method="table" conf="3"/></port></ports>
<times srtt="${srtt}" rttvar="50" to="100000"/>
</host>`;

const doc = (...hosts: string[]) =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -p 22" start="1700000000" version="7.93" xmloutputversion="1.05">
<hosthint><status state="up" reason="unknown-response" reason_ttl="0"/><address addr="10.0.0.9" addrtype="ipv4"/></hosthint>
${hosts.join('\n')}
<runstats><finished time="1700000010" timestr="x" summary="done" elapsed="10" exit="success"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>
</nmaprun>
`);

/** The error parsing `xml` throws. */
async function refusal(xml: Buffer): Promise<Error> {
  try {
    await parseNmapXml(xml.toString('utf8'));
  } catch (error: unknown) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the document to be refused');
}

describe('nmap XML host blocks', () => {
  it('finds each host with its addresses, and not host hints or hostnames', () => {
    const xml = doc(host('10.0.0.1', 22, 'open'), host('10.0.0.2', 22, 'closed'));
    const parts = splitHostBlocks(xml);
    expect(parts?.blocks.map((b) => b.addresses)).toEqual([
      [
        { addr: '10.0.0.1', type: 'ipv4' },
        { addr: '00:11:22:33:44:55', type: 'mac' },
      ],
      [
        { addr: '10.0.0.2', type: 'ipv4' },
        { addr: '00:11:22:33:44:55', type: 'mac' },
      ],
    ]);
  });

  it('treats a host as the same when only its scan timing differs, and different when a port does', () => {
    const a = doc(host('10.0.0.1', 22, 'open', 1700000000, 100));
    const b = doc(host('10.0.0.1', 22, 'open', 1800000000, 999));
    const c = doc(host('10.0.0.1', 22, 'closed', 1700000000, 100));
    const [ba, bb, bc] = [a, b, c].map((x) => splitHostBlocks(x)?.blocks[0]);
    if (!ba || !bb || !bc) throw new Error('blocks not found');
    expect(sameHost(a, ba, b, bb)).toBe(true);
    expect(sameHost(a, ba, c, bc)).toBe(false);
  });

  it('rebuilds a valid document holding only the chosen hosts', async () => {
    const xml = doc(host('10.0.0.1', 22, 'open'), host('10.0.0.2', 23, 'open'), host('10.0.0.3', 24, 'open'));
    const parts = splitHostBlocks(xml);
    if (!parts) throw new Error('not split');
    const second = parts.blocks[1];
    if (!second) throw new Error('second host not found');
    const subset = documentWithHosts(xml, parts, { whole: new Set([second]) });
    const observation = await parseNmapXml(subset.xml.toString('utf8'));
    expect(observation.hosts.map((h) => h.addresses[0]?.addr)).toEqual(['10.0.0.2']);
    expect(observation.run.exit).toBe('success');
  });

  it('keeps of an ignoredOnly host its <host> tag, <times/> and end, which still parse', async () => {
    const xml = doc(host('10.0.0.1', 22, 'open', 1700000000, 123));
    const parts = splitHostBlocks(xml);
    const block = parts?.blocks[0];
    if (!parts || !block) throw new Error('not split');
    const cut = documentWithHosts(xml, parts, { whole: new Set(), ignoredOnly: new Set([block]) });
    const text = cut.xml.toString('utf8');
    expect(text).toContain(
      '<host starttime="1700000000" endtime="1700000005"><times srtt="123" rttvar="50" to="100000"/></host>',
    );
    expect(text).not.toContain('<ports>');
    await expect(parseNmapXml(text)).resolves.toMatchObject({ hosts: [{ addresses: [] }] });
  });

  it('maps an error in a cut-down document back to its line and column in the original', async () => {
    const bad = host('10.0.0.3', 22, 'open').replace('portid="22"', 'portid="99999"');
    const xml = doc(host('10.0.0.1', 22, 'open'), host('10.0.0.2', 23, 'open'), bad);
    const parts = splitHostBlocks(xml);
    const third = parts?.blocks[2];
    if (!parts || !third) throw new Error('not split');
    const cut = documentWithHosts(xml, parts, { whole: new Set([third]) });
    const whole = await refusal(xml);
    const inCut = await refusal(cut.xml);
    const moved = relocateNmapXmlError(inCut, cut.originalPosition) as Error;
    const line =
      xml
        .toString('utf8')
        .split('\n')
        .findIndex((l) => l.includes('99999')) + 1;
    expect(whole.message).toMatch(
      new RegExp(`^Invalid nmap XML at line ${line}, column \\d+: invalid portid "99999"$`),
    );
    expect(inCut.message).not.toBe(whole.message);
    expect(moved.message).toBe(whole.message);
  });

  it('finds the end of a <host> tag past a ">" inside a quoted value', () => {
    const a = doc(host('10.0.0.1', 22, 'open').replace('<host ', '<host comment="a>b" '));
    const b = doc(host('10.0.0.1', 22, 'open', 1800000000, 999).replace('<host ', '<host comment="a>c" '));
    const [ba, bb] = [a, b].map((x) => splitHostBlocks(x)?.blocks[0]);
    if (!ba || !bb) throw new Error('blocks not found');
    // The start tags differ only in what sameHost ignores: the whole tag, not just up to its first '>'.
    expect(sameHost(a, ba, b, bb)).toBe(true);
  });

  it.each([
    ['no hosts at all', doc()],
    [
      'a host that never closes',
      Buffer.from(`<nmaprun>${host('10.0.0.1', 22, 'open').replace('</host>', '')}</nmaprun>`),
    ],
    ['a host inside a host', Buffer.from(`<nmaprun><host>${host('10.0.0.1', 22, 'open')}</host></nmaprun>`)],
    [
      'an unknown address type',
      doc(host('10.0.0.1', 22, 'open').replace('addrtype="mac"', 'addrtype="ipx"')),
    ],
  ])('declines to split %s (the caller parses it whole)', (_what, xml) => {
    expect(splitHostBlocks(xml)).toBeUndefined();
  });
});
