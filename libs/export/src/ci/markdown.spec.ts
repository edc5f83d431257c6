import { gateMarkdown, markdownInline } from '@driftwatch/export';
import {
  failingGate,
  gate,
  gateFinding,
  hostileGate,
  manyFindingsGate,
  newModeGate,
  noSnapshotGate,
  passingGate,
} from '@driftwatch/export/ci/testing/gate-results';

/** The cells of a Markdown table row, split on unescaped pipes as GFM does. */
const cells = (row: string): string[] =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

const findingRows = (markdown: string): string[] => {
  const lines = markdown.split('\n');
  const start = lines.indexOf('#### Blocking findings');
  if (start < 0) return [];
  return lines.slice(start + 4).filter((l) => l.startsWith('|'));
};

describe('gateMarkdown', () => {
  it('headlines a pass with the settings and counts, and lists no findings', () => {
    const md = gateMarkdown(passingGate());
    expect(md.split('\n')[0]).toBe('### ✅ Driftwatch gate passed: CDE production');
    expect(md).toContain(
      '**Scope** CDE production · **mode** all · **fail on** high and above · **policy** pci-dss-4 3f9a2c1e0b7d · **baseline** 2026-03-01 · **snapshot** 45 min old',
    );
    expect(md).toContain('| **total** | **0** | **0** |');
    expect(md).not.toContain('Blocking findings');
  });

  it('headlines a failure with its reasons, counts by severity and a row per blocking finding', () => {
    const md = gateMarkdown(failingGate());
    expect(md.split('\n').slice(0, 3)).toEqual([
      '### ❌ Driftwatch gate failed: CDE production',
      '',
      '- 4 findings at or above high',
    ]);
    expect(md).toContain('| critical | 1 | 1 |');
    expect(md).toContain('| high | 3 | 3 |');
    expect(md).toContain('| medium | 1 | 0 |');
    expect(md).toContain(
      '1 failing finding does not block (below high). 1 failing finding is under a waiver.',
    );
    const rows = findingRows(md);
    expect(rows).toHaveLength(4);
    expect(cells(rows[0])).toEqual([
      'critical',
      'PCI DSS v4.0.1 4.2.1',
      'Weak TLS protocol',
      '10.0.0.9 / 443/tcp',
      'Weak TLS protocol on 10.0.0.9 443/tcp',
      // A relative route with no baseUrl is shown, not linked.
      '/v1/findings/f-pci.4.2.1.weak-tls-10.0.0.9-443/tcp',
    ]);
    for (const row of rows) expect(cells(row)).toHaveLength(6);
  });

  it('links evidence resolved against baseUrl', () => {
    const md = gateMarkdown(failingGate(), { baseUrl: 'https://driftwatch.example/api/' });
    expect(cells(findingRows(md)[0])[5]).toBe(
      '[evidence](https://driftwatch.example/v1/findings/f-pci.4.2.1.weak-tls-10.0.0.9-443/tcp)',
    );
  });

  it('says which findings do not block in mode new', () => {
    const md = gateMarkdown(newModeGate());
    expect(md).toContain('**mode** new');
    expect(md).toContain(
      '1 failing finding does not block (below high, or already failing at the baseline).',
    );
    expect(findingRows(md)).toHaveLength(1);
  });

  it('shows a failure with no finding and no snapshot', () => {
    const md = gateMarkdown(noSnapshotGate());
    expect(md).toContain('- the scope has no snapshot: its state is unknown');
    expect(md).toContain('**snapshot** none');
  });

  it('marks a stale snapshot and a dry run', () => {
    const md = gateMarkdown(
      gate([], { snapshot: { id: 's', takenAt: '2026-03-28T08:00:00.000Z' }, dryRun: true }),
    );
    expect(md).toContain('**snapshot** 3 d 4 h old (**stale**)');
    expect(md).toContain('_Dry run: the candidate was judged, nothing was stored._');
  });

  it('caps the table at maxRows and counts the rest', () => {
    const md = gateMarkdown(manyFindingsGate(120));
    expect(findingRows(md)).toHaveLength(50);
    expect(md).toContain('…and 70 more blocking findings.');
    expect(findingRows(gateMarkdown(manyFindingsGate(3), { maxRows: 2 }))).toHaveLength(2);
    expect(gateMarkdown(manyFindingsGate(3), { maxRows: 2 })).toContain('…and 1 more blocking finding.');
  });

  it('keeps hostile text inside its cell: no HTML, code span, link, mention or autolink', () => {
    const md = gateMarkdown(hostileGate());
    const rows = findingRows(md);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(6);
    expect(md).not.toContain('<'); // no raw angle bracket at all: no HTML
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/(?<!\\)`/);
    expect(md).not.toMatch(/(?<!\\)\[link/);
    expect(md).not.toMatch(/@admin/);
    expect(md).toContain('@\u200badmin');
    expect(md).not.toContain('https://evil');
    expect(md).not.toMatch(/(?<!\u200b)www\.evil/);
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(md).not.toMatch(/[\u0000\u0007\u001b\uFFFE]|\p{Cs}/u);
    // javascript: is never a link.
    expect(md).not.toContain('](javascript');
    // The hostile text is one line: every table row is a single line.
    expect(
      md
        .split('\n')
        .filter((l) => l.includes('alert'))
        .every((l) => l.startsWith('|') || l.startsWith('#') || l.startsWith('**')),
    ).toBe(true);
  });

  it('escapes every inline metacharacter', () => {
    expect(markdownInline('a|b `c` *d* _e_ ~f~ [g](h) <i> & #j\nk @l')).toBe(
      'a\\|b \\`c\\` \\*d\\* \\_e\\_ \\~f\\~ \\[g\\](h) &lt;i&gt; &amp; \\#j k @\u200bl',
    );
    expect(markdownInline('x'.repeat(400))).toHaveLength(300);
  });

  it('is deterministic', () => {
    const shuffled = manyFindingsGate(30);
    shuffled.findings.reverse();
    shuffled.blocking.reverse();
    expect(gateMarkdown(manyFindingsGate(30))).toBe(gateMarkdown(manyFindingsGate(30)));
    expect(gateMarkdown(shuffled)).toBe(gateMarkdown(manyFindingsGate(30)));
  });

  it('lists findings without evidence or requirements with a dash', () => {
    const md = gateMarkdown(
      gate([gateFinding('pci.11.3.1.banner', 'h', '22/tcp', { evidenceUrl: undefined })], { failOn: 'low' }),
    );
    const row = cells(findingRows(md)[0]);
    expect(row[1]).toBe('—');
    expect(row[5]).toBe('—');
  });
});
