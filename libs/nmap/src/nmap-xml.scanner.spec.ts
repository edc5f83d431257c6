import { Readable } from 'node:stream';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import { parseNmapXmlDetailed, parseNmapXmlWithSax, type NmapXmlParseResult } from './nmap-xml.parser';
import { NmapXmlScanner, type NmapXmlAttributes, type NmapXmlEvents } from './nmap-xml.scanner';
import { scannerDocument, scannerHost, SSH_PORT } from './testing/nmap-documents';

// Documents written for these tests in the shape nmap writes, plus the XML corners sax accepts or
// refuses; the scanner must agree with the sax reference on every one, however the bytes are cut.

const doc = scannerDocument;
const host = scannerHost;
const PORT = SSH_PORT;

const ACCEPTED: [string, string][] = [
  ['a typical host', doc(host(PORT))],
  ['several hosts and a host script', doc(host(PORT) + host(PORT, '192.0.2.2'))],
  [
    'entities in attributes and text: named, decimal, hex, upper-case, astral, HTML',
    doc(
      host(
        `<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="A &amp; B &lt;x&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#X43;&#0068; &#x1F600; &AMP; &nbsp;&copy;"/>` +
          `<script id="t" output="line1&#xa;line2&#9;tab"><elem key="k">v &amp; w &#x263A; &lt;tag&gt;</elem><elem>&#128512;</elem></script></port>`,
      ),
    ),
  ],
  [
    'CDATA (any case), comments and processing instructions inside elements',
    doc(
      host(
        `<port protocol="tcp" portid="80"><state state="open"/><service name="http"><cpe><![CDATA[cpe:/a:x]]><!-- c --><?pi x?>:y</cpe><cpe><![cdata[cpe:/b]]]></cpe></service>` +
          `<script id="s" output="o"><elem key="a">one<![CDATA[ <two> & ]]>three<!---->four</elem></script></port>`,
      ),
    ),
  ],
  [
    'whitespace sax tolerates: inside tags, around =, after < and </, single quotes, newlines in values',
    `<?xml version="1.0"?>\n< nmaprun\n  args = 'a "b"'\tversion="7.93" >\n<  host><status state='up'/><address addr="192.0.2.9"\n addrtype="ipv4" /></ host ></nmaprun >`,
  ],
  [
    'a BOM, CRLF line ends, tabs, and trailing whitespace and comments after the root',
    `\uFEFF<?xml version="1.0"?>\r\n<nmaprun>\r\n\t<host><address addr="192.0.2.1" addrtype="ipv4"/></host>\r\n</nmaprun>\r\n<!-- end -->\r\n<?done?>\n`,
  ],
  [
    'processing instructions ended by an odd run of ?, > inside PIs and attribute values',
    `<?a ?? >?><?b ???><nmaprun args="x > y < z" version="7"><?c x>y?></nmaprun>`,
  ],
  [
    'non-ASCII names, text and attribute values; unknown elements and attributes are ignored',
    doc(
      host(
        `<port protocol="tcp" portid="443"><state state="open"/><service name="https" product="Café – ünïcode ✓ 日本"/><extra xmlns:x="u" x:é-1.2="v"><é/></extra></port>`,
      ),
    ),
  ],
  [
    'duplicate attributes: the first one wins',
    doc(host(`<port protocol="tcp" portid="25" portid="26"><state state="open" state="closed"/></port>`)),
  ],
  ['an empty document element and self-closing root', `<nmaprun/>`],
  ['a comment with dashes inside and an empty comment', `<!-- a - b --><!----><nmaprun></nmaprun>`],
  ['the DOCTYPE written in lower case with odd spacing', `<!doctype\n nmaprun \n><nmaprun/>`],
  [
    'a skipped target and a script output of 70 KiB',
    doc(
      `<target specification="x.test" status="skipped" reason="invalid"/>` +
        host(
          `<port protocol="tcp" portid="1"><state state="open"/><script id="big" output="${'x'.repeat(70_000)}"/></port>`,
        ),
    ),
  ],
];

const REFUSED: [string, string][] = [
  ['a DOCTYPE with an internal subset', `<!DOCTYPE nmaprun [<!ENTITY a "b">]><nmaprun/>`],
  ['a DOCTYPE with a system id', `<!DOCTYPE nmaprun SYSTEM "file:///etc/passwd"><nmaprun/>`],
  ['a second DOCTYPE', `<!DOCTYPE nmaprun><!DOCTYPE nmaprun><nmaprun/>`],
  ['a DOCTYPE after the root', `<nmaprun><!DOCTYPE nmaprun></nmaprun>`],
  ['an ENTITY declaration', `<!ENTITY x "y"><nmaprun/>`],
  ['an unknown markup declaration', `<nmaprun><!ELEMENT x></nmaprun>`],
  ['an undeclared entity in an attribute', doc(host('').replace('addr="192.0.2.1"', 'addr="&xxe;"'))],
  ['an undeclared entity in text', `<nmaprun>&xxe;</nmaprun>`],
  ['an unterminated entity in an attribute', `<nmaprun args="a &amp b"/>`],
  ['an entity cut by a tag', `<nmaprun>&amp<x/></nmaprun>`],
  ['an empty and a bad numeric reference', `<nmaprun args="&#;"/>`],
  ['a reference to a non-XML character', `<nmaprun args="&#0;"/>`],
  ['a surrogate reference', `<nmaprun args="&#xD800;"/>`],
  ['a reference with leading garbage', `<nmaprun args="&#12a;"/>`],
  ['an unquoted attribute', `<nmaprun args=x/>`],
  ['an attribute without a value', `<nmaprun args/>`],
  ['an attribute without a value before another', `<nmaprun args version="1"/>`],
  ['no whitespace between attributes', `<nmaprun a="1"b="2"/>`],
  ['a bad character in a tag name', `<nmaprun><ho$t/></nmaprun>`],
  ['a slash not followed by >', `<nmaprun/ >`],
  ['an unencoded <', `<nmaprun>< 1</nmaprun>`],
  ['a mismatched close tag', `<nmaprun><host></hosts></nmaprun>`],
  ['a close tag with no open element', `</nmaprun>`],
  ['an empty close tag', `<nmaprun></></nmaprun>`],
  ['junk inside a close tag', `<nmaprun></nmaprun x>`],
  ['text before the root', `x<nmaprun/>`],
  ['text after the root', `<nmaprun/>x`],
  ['an entity outside the root', `<nmaprun/>&amp;`],
  ['a malformed comment', `<!-- a -- b --><nmaprun/>`],
  ['a second root', `<nmaprun/><nmaprun/>`],
  ['another root element', `<html/>`],
  ['no root element at all', `<?xml version="1.0"?>\n<!-- nothing -->\n`],
  ['truncation inside a tag', doc(host(PORT)).slice(0, 400)],
  ['truncation inside a comment after the root', `<nmaprun/><!-- cut`],
  ['truncation inside an entity', `<nmaprun>&am`],
  ['a port with no state', doc(host(`<port protocol="tcp" portid="1"/>`))],
  ['an unknown port state', doc(host(`<port protocol="tcp" portid="1"><state state="weird"/></port>`))],
  ['an invalid portid', doc(host(`<port protocol="tcp" portid="x1"><state state="open"/></port>`))],
  ['a non-numeric count', doc(host('').replace('count="999"', 'count="many"'))],
  ['absurd nesting', `<nmaprun>${'<x>'.repeat(300)}${'</x>'.repeat(300)}</nmaprun>`],
];

type Outcome = { result: NmapXmlParseResult } | { refused: string };

async function outcome(parse: () => Promise<NmapXmlParseResult>): Promise<Outcome> {
  try {
    return { result: await parse() };
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(DriftwatchError);
    expect((error as DriftwatchError).code).toBe(ErrorCode.NmapOutputInvalid);
    return { refused: (error as DriftwatchError).message };
  }
}

function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

const CHUNK_SIZES = [1, 2, 3, 7, 64];

describe('NmapXmlScanner, against the sax reference parser', () => {
  it.each(ACCEPTED)('accepts %s exactly as sax does, from a string and in chunks', async (_name, xml) => {
    const reference = await outcome(() => parseNmapXmlWithSax(xml));
    expect(reference).toHaveProperty('result');
    expect(await outcome(() => parseNmapXmlDetailed(xml))).toEqual(reference);
    for (const size of CHUNK_SIZES) {
      expect(await outcome(() => parseNmapXmlDetailed(chunked(xml, size)))).toEqual(reference);
    }
  });

  it.each(REFUSED)('refuses %s as sax does, from a string and in chunks', async (_name, xml) => {
    const reference = await outcome(() => parseNmapXmlWithSax(xml));
    expect(reference).toHaveProperty('refused');
    const fromString = await outcome(() => parseNmapXmlDetailed(xml));
    expect(fromString).toEqual({
      refused: expect.stringMatching(/^Invalid nmap XML at line \d+, column \d+: \S/),
    });
    for (const size of CHUNK_SIZES) {
      expect(await outcome(() => parseNmapXmlDetailed(chunked(xml, size)))).toEqual(fromString);
    }
  });

  it('locates refusals of the model at the same line and column as sax did', async () => {
    for (const [, xml] of REFUSED.filter(([name]) =>
      /port|count|nesting|root|truncation inside a tag/.test(name),
    )) {
      const scanner = await outcome(() => parseNmapXmlDetailed(xml));
      expect(scanner).toEqual(await outcome(() => parseNmapXmlWithSax(xml)));
    }
  });

  it('refuses every DOCTYPE but the bare one, also where sax could be led past an internal subset', async () => {
    // sax never reports this DOCTYPE (the subset's "<" starts an element), so it accepted it.
    const xml = `<!DOCTYPE nmaprun [<nmaprun></nmaprun>`;
    expect(await outcome(() => parseNmapXmlWithSax(xml))).toHaveProperty('result');
    expect(await outcome(() => parseNmapXmlDetailed(xml))).toEqual({
      refused: expect.stringMatching(/DOCTYPE/),
    });
  });

  it('reads a large document delivered in chunks with tags split at every boundary', async () => {
    const hosts = Array.from({ length: 300 }, (_, i) => host(PORT, `192.0.2.${i % 250}`)).join('\n');
    const xml = doc(hosts);
    const reference = await parseNmapXmlWithSax(xml);
    for (const size of [5, 113, 4096]) {
      expect(await parseNmapXmlDetailed(chunked(xml, size))).toEqual(reference);
    }
    expect(reference.observation.hosts).toHaveLength(300);
  });

  it('slices only the attributes asked for, gives the first of duplicates, and nothing for absent ones', () => {
    const seen: Record<string, string | undefined>[] = [];
    const events: NmapXmlEvents = {
      open: (_name: string, a: NmapXmlAttributes) =>
        seen.push({ x: a.get('x'), y: a.get('y'), z: a.get('z'), xy: a.get('xy') }),
      close: () => undefined,
      wantsText: () => false,
      text: () => undefined,
      refuse: (reason: string) => new Error(reason),
    };
    const scanner = new NmapXmlScanner(events);
    scanner.write(`<r x="1" y='&lt;2&gt;' x="3" xy=""/>`);
    expect(scanner.end()).toBe(false);
    expect(seen).toEqual([{ x: '1', y: '<2>', z: undefined, xy: '' }]);
  });
});
