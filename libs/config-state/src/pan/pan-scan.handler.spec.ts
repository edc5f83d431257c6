import Ajv from 'ajv';

import { ConfigParseError } from '../config-parse-error';
import type { PanScanReport } from './pan-report';
import { panScanFactsSchema } from './pan-report';
import { panScanHandler } from './pan-scan.handler';
import { expectedMask, generatePan, groupPan, seededRandom } from './testing/pan-generator';

const random = seededRandom(11);
const visa = generatePan('4', 16, random);
const mc = generatePan('55', 16, random);

function report(overrides: Partial<PanScanReport> = {}): PanScanReport {
  return {
    root: '/srv/exports',
    scannedFiles: 3,
    skippedFiles: [{ path: 'big.bin', reason: 'larger than the limit of 67108864 bytes (99999999 bytes)' }],
    bytesScanned: 1234,
    totalMatches: 3,
    testNumbers: 1,
    files: [
      {
        path: 'a/orders.csv',
        count: 3,
        brands: { visa: 2, mastercard: 1 },
        samples: [expectedMask(visa), expectedMask(mc)],
        lines: [2, 7],
      },
    ],
    ...overrides,
  };
}

/** The refusal of `content`, or fails the test. */
function refusal(content: string): ConfigParseError {
  try {
    panScanHandler.parse(content);
  } catch (error: unknown) {
    if (error instanceof ConfigParseError) return error;
    throw error;
  }
  throw new Error('expected the document to be refused');
}

/** Everything a refusal carries outward: message, problems and details. */
function exposed(error: ConfigParseError): string {
  return `${error.message} ${JSON.stringify(error.problems)} ${JSON.stringify(error.details)}`;
}

describe('panScanHandler.parse', () => {
  it('accepts a report of counts and masked samples', () => {
    const content = JSON.stringify(report({ truncated: true }));
    expect(panScanHandler.parse(content)).toEqual(JSON.parse(content));
    expect(panScanHandler.kind).toBe('pan-scan');
  });

  it('refuses a report with an unmasked sample, without echoing the digits', () => {
    const files = report().files;
    files[0].samples = [visa];
    const error = refusal(JSON.stringify(report({ files })));
    expect(error.problems).toEqual([
      {
        pointer: '/files/0/samples/0',
        reason: 'must be a masked card number: first six and last four digits, the middle as *',
      },
    ]);
    expect(exposed(error)).not.toContain(visa);
    expect(exposed(error)).not.toMatch(/[0-9]{13}/);
  });

  it('refuses samples that show more than six and four digits', () => {
    for (const sample of [
      `${visa.slice(0, 7)}*****${visa.slice(-4)}`,
      `${visa.slice(0, 6)}**${visa.slice(-4)}`,
      'x',
    ]) {
      const files = report().files;
      files[0].samples = [sample];
      expect(refusal(JSON.stringify(report({ files }))).problems[0].pointer).toBe('/files/0/samples/0');
    }
  });

  it('refuses a card number in a path, reason or root, contiguous or grouped, without echoing it', () => {
    const grouped = groupPan(visa, [4, 4, 4, 4], ' ');
    const cases: Partial<PanScanReport>[] = [
      { root: `/srv/${visa}` },
      { root: `/srv/${grouped}` },
      {
        skippedFiles: [
          { path: `dump-${groupPan(mc, [4, 4, 4, 4], '-')}.sql`, reason: 'unreadable (EACCES)' },
        ],
      },
      { skippedFiles: [{ path: 'x', reason: `card ${visa}` }] },
      { files: [{ ...report().files[0], path: `cards/${grouped}.txt` }] },
    ];
    for (const overrides of cases) {
      const error = refusal(JSON.stringify(report(overrides)));
      expect(exposed(error)).not.toContain(visa.slice(6, 12));
      expect(exposed(error)).not.toContain(mc.slice(6, 12));
      expect(error.problems.length).toBeGreaterThan(0);
    }
  });

  it('refuses a card number smuggled as a number or as a key', () => {
    const asNumber = JSON.stringify(report()).replace('"bytesScanned":1234', `"bytesScanned":${visa}`);
    expect(exposed(refusal(asNumber))).not.toContain(visa);
    const files = report().files;
    (files[0].brands as Record<string, number>)[visa] = 1;
    const asKey = refusal(JSON.stringify(report({ files })));
    expect(exposed(asKey)).not.toContain(visa);
    const asTopKey = refusal(JSON.stringify({ ...report(), [visa]: { [visa]: visa } }));
    expect(exposed(asTopKey)).not.toContain(visa);
  });

  it('refuses invalid JSON without quoting it', () => {
    const error = refusal(`{"root": "${visa}", oops}`);
    expect(error.problems[0].reason).toMatch(/^not valid JSON/);
    expect(exposed(error)).not.toContain(visa);
    expect(error.cause).toBeUndefined();
  });

  it('refuses unknown fields, brands and counts that do not add up', () => {
    expect(refusal(JSON.stringify({ ...report(), extra: 1 })).problems[0].reason).toMatch(
      /additional properties/,
    );
    const files = report().files;
    files[0].brands = { visa: 1 };
    expect(refusal(JSON.stringify(report({ files }))).problems).toEqual([
      { pointer: '/files/0/brands', reason: 'brand counts add up to 1, not count 3' },
    ]);
    expect(refusal(JSON.stringify(report({ totalMatches: 4 }))).problems[0].pointer).toBe('/totalMatches');
    const badBrand = report().files;
    badBrand[0].brands = { visa: 2, 'not-a-brand': 1 } as Record<string, number>;
    expect(refusal(JSON.stringify(report({ files: badBrand }))).problems[0].reason).toBe(
      'must be a card brand name',
    );
  });

  it('has a schema that refuses 12+ digit integers and 13+ digit runs in free text', () => {
    const validate = new Ajv({ strict: true }).compile(panScanFactsSchema);
    expect(validate(report())).toBe(true);
    expect(validate(report({ scannedFiles: 100_000_000_000 }))).toBe(false);
    expect(validate(report({ root: 'a\n1234567890123' }))).toBe(false);
    expect(validate(report({ root: '/srv/123456789012/x' }))).toBe(true);
  });
});

describe('panScanHandler.diff', () => {
  const file = (path: string, count: number): PanScanReport['files'][number] => ({
    path,
    count,
    brands: { visa: count },
    samples: [expectedMask(visa)],
    lines: [1],
  });

  it('reports files where card data appeared, disappeared or changed count, by path', () => {
    const before = report({ files: [file('b.txt', 2), file('c.txt', 1), file('d.txt', 4)], totalMatches: 7 });
    const after = report({ files: [file('d.txt', 4), file('a.txt', 1), file('b.txt', 5)], totalMatches: 10 });
    expect(panScanHandler.diff(before, after)).toEqual([
      {
        type: 'setting-added',
        path: 'a.txt',
        to: 1,
        description: 'card data found in a.txt: 1 card number (visa 1)',
      },
      {
        type: 'setting-changed',
        path: 'b.txt',
        from: 2,
        to: 5,
        description: 'card numbers in b.txt: 2 -> 5',
      },
      {
        type: 'setting-removed',
        path: 'c.txt',
        from: 1,
        description: 'card data no longer found in c.txt (was 1 card number)',
      },
    ]);
  });

  it('reports nothing between equal reports', () => {
    expect(panScanHandler.diff(report(), report())).toEqual([]);
  });
});
