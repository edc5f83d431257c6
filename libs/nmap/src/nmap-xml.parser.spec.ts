import { PassThrough, Readable } from 'node:stream';
import { DriftwatchError, ErrorCode, PORT_STATES } from '@driftwatch/core';
import {
  parseNmapXml,
  parseNmapXmlDetailed,
  parseNmapXmlWithSax,
  type NmapTaskProgressAttributes,
} from './nmap-xml.parser';
import { MAX_VALUE_CHARS } from './nmap-xml.scanner';
import { parserDocument, parserHost } from './testing/nmap-documents';

// Small documents written for these tests in the shape nmap 7.x writes (never copied from a corpus).
const doc = parserDocument;
const host = parserHost;

async function refusal(
  input: string | NodeJS.ReadableStream,
  limits?: { maxBytes?: number },
): Promise<DriftwatchError> {
  try {
    await parseNmapXml(input, limits);
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(DriftwatchError);
    expect((error as DriftwatchError).code).toBe(ErrorCode.NmapOutputInvalid);
    return error as DriftwatchError;
  }
  throw new Error('expected the input to be refused');
}

describe('parseNmapXml', () => {
  it('reads run info: version, args, start/finish times as ISO, exit, summary and host counts', async () => {
    const observation = await parseNmapXml(doc(''));
    expect(observation.run).toEqual({
      scanner: 'nmap',
      version: '7.93',
      args: 'nmap -sS -oX - -iL -',
      startedAt: '2023-11-14T22:13:20.000Z',
      finishedAt: '2023-11-14T22:15:00.000Z',
      exit: 'success',
      summary: 'done',
      hostsUp: 1,
      hostsDown: 0,
      hostsTotal: 1,
    });
    expect(observation.hosts).toEqual([]);
  });

  // As nmap 7.93 writes a host it gave up on (--host-timeout): up, with no <ports> at all.
  it('marks a host nmap gave up on (timedout="true"), and no other', async () => {
    const gaveUp = `<host starttime="1700000000" endtime="1700000006" timedout="true"><status state="up" reason="user-set" reason_ttl="0"/>
<address addr="192.0.2.11" addrtype="ipv4"/>
<hostnames>
</hostnames>
</host>`;
    const xml = doc(`${host('')}\n${gaveUp}`);
    for (const observation of [await parseNmapXml(xml), (await parseNmapXmlWithSax(xml)).observation]) {
      expect(observation.hosts.map((h) => [h.addresses[0]?.addr, h.timedOut, h.ports.length])).toEqual([
        ['192.0.2.10', undefined, 0],
        ['192.0.2.11', true, 0],
      ]);
    }
  });

  it('keeps a port that has no <service> element (node-nmap crashed on it)', async () => {
    const observation = await parseNmapXml(
      doc(
        host(
          '<port protocol="tcp" portid="40000"><state state="open" reason="syn-ack" reason_ttl="64"/></port>',
        ),
      ),
    );
    expect(observation.hosts[0]?.ports).toEqual([
      { protocol: 'tcp', port: 40000, state: 'open', reason: 'syn-ack', scripts: [] },
    ]);
  });

  it('keeps a host whose script output says "percent" (node-nmap dropped it)', async () => {
    const observation = await parseNmapXml(
      doc(
        host(
          '<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/><service name="http"/>' +
            '<script id="http-title" output="Save 50 percent today"><elem key="title">Save 50 percent today</elem></script></port>',
        ) + host('', '').replace('192.0.2.10', '192.0.2.11'),
      ),
    );
    expect(observation.hosts.map((h) => h.addresses[0]?.addr)).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(observation.hosts[0]?.ports[0]?.scripts[0]).toEqual({
      id: 'http-title',
      output: 'Save 50 percent today',
      elems: [{ key: 'title', value: 'Save 50 percent today' }],
      tables: [],
    });
  });

  it('keeps structured NSE output: nested <table>/<elem>, keyless entries, document order, entity-decoded text', async () => {
    const script = `<script id="ssl-cert" output="Subject: commonName=web&#xa;Issuer: x &amp; y">
<table key="subject"><elem key="commonName">web</elem><elem key="organizationName">A &amp; B</elem></table>
<table key="extensions"><table><elem key="name">X509v3 Subject Alternative Name</elem><table key="values"><elem>DNS:web</elem><elem>DNS:www</elem></table></table></table>
<elem key="sig_algo">sha256WithRSAEncryption</elem><elem key="empty"></elem>
</script>`;
    const observation = await parseNmapXml(
      doc(
        host(
          `<port protocol="tcp" portid="443"><state state="open"/><service name="https" tunnel="ssl"/>${script}</port>`,
        ),
      ),
    );
    expect(observation.hosts[0]?.ports[0]?.scripts).toEqual([
      {
        id: 'ssl-cert',
        output: 'Subject: commonName=web\nIssuer: x & y',
        elems: [
          { key: 'sig_algo', value: 'sha256WithRSAEncryption' },
          { key: 'empty', value: '' },
        ],
        tables: [
          {
            key: 'subject',
            elems: [
              { key: 'commonName', value: 'web' },
              { key: 'organizationName', value: 'A & B' },
            ],
            tables: [],
          },
          {
            key: 'extensions',
            elems: [],
            tables: [
              {
                elems: [{ key: 'name', value: 'X509v3 Subject Alternative Name' }],
                tables: [{ key: 'values', elems: [{ value: 'DNS:web' }, { value: 'DNS:www' }], tables: [] }],
              },
            ],
          },
        ],
      },
    ]);
  });

  it('keeps host scripts, OS matches, extraports, host times and status reason', async () => {
    const observation = await parseNmapXml(
      doc(
        host(
          '<extraports state="closed" count="998"><extrareasons reason="reset" count="998"/></extraports>',
          '<os><osmatch name="Linux 5.0 - 5.14" accuracy="98" line="1"><osclass type="general purpose" accuracy="98"/></osmatch>' +
            '<osmatch name="Linux 4.15" accuracy="91" line="2"/></os>' +
            '<hostscript><script id="smb-os-discovery" output="OS: Unix"><elem key="os">Unix</elem></script></hostscript>',
        ),
      ),
    );
    const h = observation.hosts[0];
    expect(h?.status).toBe('up');
    expect(h?.statusReason).toBe('syn-ack');
    expect(h?.startTime).toBe('2023-11-14T22:13:20.000Z');
    expect(h?.endTime).toBe('2023-11-14T22:14:20.000Z');
    expect(h?.hostnames).toEqual([{ name: 'web.example.test', type: 'PTR' }]);
    expect(h?.extraPorts).toEqual([{ state: 'closed', count: 998 }]);
    expect(h?.os).toEqual([
      { name: 'Linux 5.0 - 5.14', accuracy: 98 },
      { name: 'Linux 4.15', accuracy: 91 },
    ]);
    expect(h?.scripts).toEqual([
      { id: 'smb-os-discovery', output: 'OS: Unix', elems: [{ key: 'os', value: 'Unix' }], tables: [] },
    ]);
  });

  it('keeps every service attribute and the cpe list', async () => {
    const observation = await parseNmapXml(
      doc(
        host(
          '<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/>' +
            '<service name="ssh" product="OpenSSH" version="9.2p1 Debian 2" extrainfo="protocol 2.0" tunnel="ssl" ostype="Linux" hostname="h1" devicetype="router" method="probed" conf="10">' +
            '<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service></port>',
        ),
      ),
    );
    expect(observation.hosts[0]?.ports[0]?.service).toEqual({
      name: 'ssh',
      product: 'OpenSSH',
      version: '9.2p1 Debian 2',
      extraInfo: 'protocol 2.0',
      tunnel: 'ssl',
      method: 'probed',
      confidence: 10,
      osType: 'Linux',
      hostname: 'h1',
      deviceType: 'router',
      cpe: ['cpe:/a:openbsd:openssh:9.2p1', 'cpe:/o:linux:linux_kernel'],
    });
  });

  it('keeps IPv4, IPv6 and MAC addresses with the MAC vendor, and ignores <hosthint> look-alikes', async () => {
    const body =
      '<hosthint><status state="up" reason="arp-response"/><address addr="192.0.2.99" addrtype="ipv4"/></hosthint>' +
      '<host><status state="up" reason="nd-response"/><address addr="2001:db8::10" addrtype="ipv6"/>' +
      '<address addr="192.0.2.10" addrtype="ipv4"/><address addr="00:11:22:AA:BB:CC" addrtype="mac" vendor="Acme Networks"/>' +
      '<address addr="10.9.9.9" addrtype="ipv4" vendor=""/><hostnames/></host>';
    const observation = await parseNmapXml(doc(body));
    expect(observation.hosts).toHaveLength(1);
    expect(observation.hosts[0]?.addresses).toEqual([
      { addr: '2001:db8::10', type: 'ipv6' },
      { addr: '192.0.2.10', type: 'ipv4' },
      { addr: '00:11:22:AA:BB:CC', type: 'mac', vendor: 'Acme Networks' },
      { addr: '10.9.9.9', type: 'ipv4' },
    ]);
  });

  it('keeps every port state nmap reports, on tcp, udp and sctp', async () => {
    const ports = PORT_STATES.map(
      (state, i) => `<port protocol="tcp" portid="${1000 + i}"><state state="${state}" reason="r"/></port>`,
    ).join('');
    const other =
      '<port protocol="udp" portid="53"><state state="open|filtered" reason="no-response"/></port>' +
      '<port protocol="sctp" portid="2905"><state state="closed" reason="abort"/></port>';
    const observation = await parseNmapXml(doc(host(ports + other)));
    expect(observation.hosts[0]?.ports.map((p) => `${p.protocol}/${p.port}:${p.state}`)).toEqual([
      ...PORT_STATES.map((state, i) => `tcp/${1000 + i}:${state}`),
      'udp/53:open|filtered',
      'sctp/2905:closed',
    ]);
  });

  it('keeps down and unknown hosts, in document order', async () => {
    const body =
      '<host><status state="down" reason="no-response"/><address addr="192.0.2.3" addrtype="ipv4"/></host>' +
      '<host><status state="up" reason="user-set"/><address addr="192.0.2.1" addrtype="ipv4"/></host>' +
      '<host><address addr="192.0.2.2" addrtype="ipv4"/></host>';
    const observation = await parseNmapXml(doc(body));
    expect(observation.hosts.map((h) => [h.addresses[0]?.addr, h.status])).toEqual([
      ['192.0.2.3', 'down'],
      ['192.0.2.1', 'up'],
      ['192.0.2.2', 'unknown'],
    ]);
  });

  it('reports the error message and exit of a run nmap ended with an error', async () => {
    const observation = await parseNmapXml(
      doc(
        '',
        '<runstats><finished time="1700000001" exit="error" errormsg="Failed to open device eth9"/><hosts up="0" down="0" total="0"/></runstats>',
      ),
    );
    expect(observation.run.exit).toBe('error');
    expect(observation.run.errorMessage).toBe('Failed to open device eth9');
  });

  it('reports targets nmap skipped, for the runner to warn about', async () => {
    const result = await parseNmapXmlDetailed(
      doc('<target specification="nosuch.example.test" status="skipped" reason="invalid"/>'),
    );
    expect(result.skippedTargets).toEqual([{ specification: 'nosuch.example.test', reason: 'invalid' }]);
  });

  it('parses a stream delivered in tiny chunks, split inside tags and multi-byte characters, like a string', async () => {
    const xml = doc(
      host(
        '<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Café – ünïcode ✓"/></port>',
      ),
    );
    const bytes = Buffer.from(xml, 'utf8');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
    const fromStream = await parseNmapXml(Readable.from(chunks));
    expect(fromStream).toEqual(await parseNmapXml(xml));
    expect(fromStream.hosts[0]?.ports[0]?.service?.product).toBe('Café – ünïcode ✓');
  });

  it('decodes a document that declares iso-8859-1 (old nmap versions) as Latin-1', async () => {
    const xml = doc(
      host(
        '<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Caf\u00e9"/></port>',
      ),
    ).replace('encoding="UTF-8"', 'encoding="iso-8859-1"');
    const observation = await parseNmapXml(Readable.from([Buffer.from(xml, 'latin1')]));
    expect(observation.hosts[0]?.ports[0]?.service?.product).toBe('Café');
  });

  describe('observers (progress while the document streams in)', () => {
    const PROGRESS =
      '<taskprogress task="Service scan" time="1795451147" percent="25.00" remaining="34" etc="1795451180"/>';
    const PORT = '<port protocol="tcp" portid="22"><state state="open"/></port>';

    it('reports each <taskprogress> as it arrives, before the document has ended', async () => {
      const xml = doc(`<verbose level="0"/>\n${PROGRESS}\n${host(PORT)}`);
      const cut = xml.indexOf(PROGRESS) + PROGRESS.length;
      const input = new PassThrough();
      const seen: NmapTaskProgressAttributes[] = [];
      const parsing = parseNmapXmlDetailed(input, { onTaskProgress: (a) => seen.push(a) });
      input.write(xml.slice(0, cut));
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([
        { task: 'Service scan', time: '1795451147', percent: '25.00', remaining: '34', etc: '1795451180' },
      ]);
      input.end(xml.slice(cut));
      const result = await parsing;
      expect(result).toEqual(await parseNmapXmlDetailed(xml));
      expect(seen).toHaveLength(1);
    });

    it('passes only the attributes present, and only for <taskprogress> directly under <nmaprun>', async () => {
      const seen: NmapTaskProgressAttributes[] = [];
      const xml = doc(
        `<taskprogress task="NSE" percent="1.00"/>${host(PORT, '<taskprogress task="inside" percent="2"/>')}`,
      );
      await parseNmapXmlDetailed(xml, { onTaskProgress: (a) => seen.push(a) });
      expect(seen).toEqual([{ task: 'NSE', percent: '1.00' }]);
    });

    it('tells when each host has ended, in document order with the progress', async () => {
      const events: string[] = [];
      await parseNmapXmlDetailed(doc(`${PROGRESS}${host(PORT)}${host(PORT)}${PROGRESS}`), {
        onTaskProgress: () => events.push('progress'),
        onHostEnd: () => events.push('host'),
      });
      expect(events).toEqual(['progress', 'host', 'host', 'progress']);
    });

    it('cannot fail or change the parse: what an observer throws is ignored', async () => {
      const xml = doc(`${PROGRESS}${host(PORT)}`);
      const result = await parseNmapXmlDetailed(xml, {
        onTaskProgress: () => {
          throw new Error('observer broke');
        },
        onHostEnd: () => {
          throw new Error('observer broke again');
        },
      });
      expect(result).toEqual(await parseNmapXmlDetailed(xml));
      expect(result.observation.hosts).toHaveLength(1);
    });

    it('still enforces maxBytes with observers attached', async () => {
      const xml = doc(`${PROGRESS}${host(PORT)}`);
      await expect(
        parseNmapXmlDetailed(Readable.from([Buffer.from(xml)]), {
          maxBytes: 100,
          onTaskProgress: () => undefined,
        }),
      ).rejects.toMatchObject({ code: ErrorCode.NmapOutputInvalid });
    });
  });

  it('with checkOnly, accepts what a parse accepts but builds no hosts', async () => {
    const xml = doc(
      host(
        '<port protocol="tcp" portid="22"><state state="open"/><service name="ssh" conf="10"><cpe>cpe:/a:openbsd:openssh</cpe></service>' +
          '<script id="ssh-hostkey" output="x"><table key="k"><elem key="bits">2048</elem></table></script></port>',
        '<os><osmatch name="Linux" accuracy="98"/></os>',
      ),
    );
    const full = await parseNmapXmlDetailed(xml);
    const checked = await parseNmapXmlDetailed(xml, { checkOnly: true });
    expect(full.observation.hosts).toHaveLength(1);
    expect(checked.observation).toEqual({ run: full.observation.run, hosts: [] });
  });

  it('keeps IPv6 addresses in lower case, as nmap writes them', async () => {
    const xml = doc(
      host('').replace('addr="192.0.2.10" addrtype="ipv4"', 'addr="2001:DB8::A" addrtype="ipv6"'),
    );
    const { hosts } = await parseNmapXml(xml);
    expect(hosts[0].addresses).toEqual([{ addr: '2001:db8::a', type: 'ipv6' }]);
  });

  describe('refusals (NmapOutputInvalid)', () => {
    it('refuses a DOCTYPE with an internal subset declaring entities (no entity expansion)', async () => {
      const lol = `<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><nmaprun args="&b;"></nmaprun>`;
      const error = await refusal(lol);
      expect(error.message).toMatch(/DOCTYPE/);
      expect(error.message).toMatch(/line 1, column \d+/);
    });

    it('refuses a DOCTYPE with an external id (no external entities)', async () => {
      const error = await refusal(
        `<?xml version="1.0"?>\n<!DOCTYPE nmaprun SYSTEM "file:///etc/passwd">\n<nmaprun></nmaprun>`,
      );
      expect(error.message).toMatch(/DOCTYPE/);
    });

    it('refuses an undeclared entity reference and a stray <!ENTITY> declaration', async () => {
      expect((await refusal(doc('').replace('args="', 'args="&xxe;'))).message).toMatch(/entity/i);
      expect((await refusal(`<!ENTITY xxe><nmaprun></nmaprun>`)).message).toMatch(/<!ENTITY>/);
      // sax never ends a quoted literal in a stray declaration, so the rest is swallowed: still refused.
      await refusal(`<!ENTITY xxe SYSTEM "file:///etc/passwd"><nmaprun></nmaprun>`);
      await refusal(doc('<!ENTITY xxe SYSTEM "file:///etc/passwd">'));
    });

    it('refuses an address nmap would not write: other spellings of an IPv4 address, or no address at all', async () => {
      const withAddress = (addr: string, type = 'ipv4') =>
        doc(host('').replace('addr="192.0.2.10" addrtype="ipv4"', `addr="${addr}" addrtype="${type}"`));
      // All of them 192.0.2.10 (or .9 for the octal one) to a lenient reader: stored as written,
      // each would be a host of its own.
      for (const addr of ['3221225994', '192.0.522', '192.0.2.011', '0xc0.0.2.10', '::ffff:192.0.2.10']) {
        expect((await refusal(withAddress(addr))).message).toContain(
          `address "${addr}" is not an IPv4 address in dotted decimal`,
        );
      }
      expect((await refusal(withAddress('1::2::3', 'ipv6'))).message).toContain(
        'address "1::2::3" is not an IPv6 address',
      );
      expect((await refusal(withAddress('x'.repeat(5000)))).message).toContain(`"${'x'.repeat(64)}…"`);
    });

    it('refuses truncated output and says where it stopped', async () => {
      const full = doc(host('<port protocol="tcp" portid="22"><state state="open"/></port>'));
      const error = await refusal(full.slice(0, full.indexOf('</ports>')));
      expect(error.message).toMatch(/truncated/);
      expect(error.message).toMatch(/<nmaprun> > <host> > <ports>/);
      expect(error.message).toMatch(/line \d+, column \d+/);
    });

    it('refuses a document whose root is not <nmaprun>, and one with no elements', async () => {
      expect((await refusal('<?xml version="1.0"?><html><body>nmaprun</body></html>')).message).toMatch(
        /root element is <html>/,
      );
      expect((await refusal('')).message).toMatch(/no <nmaprun> element/);
    });

    it('refuses malformed XML with its line and column', async () => {
      const error = await refusal('<nmaprun>\n<host><status state="up"></host>\n</nmaprun>');
      expect(error.message).toMatch(/^Invalid nmap XML at line 2, column \d+: /);
    });

    it('refuses input larger than maxBytes, as a string and as a stream', async () => {
      const xml = doc(host(''));
      expect((await refusal(xml, { maxBytes: 100 })).message).toMatch(/exceeds the limit of 100 bytes/);
      const error = await refusal(Readable.from([Buffer.from(xml)]), { maxBytes: xml.length - 1 });
      expect(error.message).toMatch(/exceeds the limit/);
      await expect(parseNmapXml(xml, { maxBytes: Buffer.byteLength(xml) })).resolves.toBeDefined();
    });

    it('refuses a port state or protocol the model cannot hold, rather than dropping the port', async () => {
      expect(
        (await refusal(doc(host('<port protocol="tcp" portid="1"><state state="weird"/></port>')))).message,
      ).toMatch(/unknown port state "weird"/);
      expect(
        (await refusal(doc(host('<port protocol="xyz" portid="1"><state state="open"/></port>')))).message,
      ).toMatch(/protocol/);
      expect((await refusal(doc(host('<port protocol="tcp" portid="1"></port>')))).message).toMatch(
        /has no <state>/,
      );
      expect(
        (await refusal(doc(host('<port protocol="tcp" portid="99999"><state state="open"/></port>'))))
          .message,
      ).toMatch(/portid/);
    });

    // A hostile import's 50 MB service name was stored, and served with every read of its port.
    it('refuses an attribute value or element text longer than 1 MiB, with where it is, by both parsers', async () => {
      const long = 'x'.repeat(MAX_VALUE_CHARS + 1);
      const port = (service: string) =>
        doc(host(`<port protocol="tcp" portid="22"><state state="open"/>${service}</port>`));
      const attribute = port(`<service name="ssh" product="${long}"/>`);
      const text = port(
        `<service name="ssh"/><script id="ssh-hostkey" output="k"><elem key="key">${long}</elem></script>`,
      );
      for (const parse of [parseNmapXml, parseNmapXmlWithSax]) {
        const error = await parse(attribute).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: ErrorCode.NmapOutputInvalid });
        expect((error as Error).message).toMatch(
          /line \d+, column \d+: Attribute value longer than 1048576 characters/,
        );
        await expect(parse(text)).rejects.toThrow(/the text of <elem> is longer than 1048576 characters/);
      }
      const longest = port(`<service name="ssh" product="${'x'.repeat(MAX_VALUE_CHARS)}"/>`);
      const accepted = await parseNmapXml(longest);
      expect(accepted.hosts[0]?.ports[0]?.service?.product).toHaveLength(MAX_VALUE_CHARS);
    });

    const port = (inner: string) => doc(host(`<port protocol="tcp" portid="22">${inner}</port>`));
    it.each([
      ['malformed XML', '<nmaprun>\n<host><status state="up"></host>\n</nmaprun>'],
      ['an undeclared entity in a host', doc(host('').replace('reason="syn-ack"', 'reason="&xxe;"'))],
      ['an address', doc(host('').replace('addr="192.0.2.10"', 'addr="192.0.2.011"'))],
      ['a portid', doc(host('<port protocol="tcp" portid="99999"><state state="open"/></port>'))],
      ['a protocol', doc(host('<port protocol="xyz" portid="1"><state state="open"/></port>'))],
      ['a port without state', port('')],
      ['a port state', port('<state state="weird"/>')],
      ['a service conf', port('<state state="open"/><service name="ssh" conf="high"/>')],
      ['an extraports count', doc(host('<extraports state="closed" count="-1"/>'))],
      ['an osmatch accuracy', doc(host('', '<os><osmatch name="Linux" accuracy="x"/></os>'))],
      ['a truncated document', doc(host('')).slice(0, 400)],
      ['deep nesting', `<nmaprun>${'<x>'.repeat(300)}${'</x>'.repeat(300)}</nmaprun>`],
    ])(
      'refuses %s with checkOnly exactly as a parse does (same reason, line and column)',
      async (_what, xml) => {
        const parsed = await refusal(xml);
        await expect(parseNmapXmlDetailed(xml, { checkOnly: true })).rejects.toThrow(parsed.message);
        expect(parsed.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
      },
    );

    it('refuses absurd nesting depth', async () => {
      const deep = `<nmaprun>${'<x>'.repeat(300)}${'</x>'.repeat(300)}</nmaprun>`;
      expect((await refusal(deep)).message).toMatch(/nested deeper/);
    });
  });
});
