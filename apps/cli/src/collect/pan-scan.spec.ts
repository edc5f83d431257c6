import { execFileSync } from 'node:child_process';
import fsPromises from 'node:fs/promises';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findPans, panScanHandler, PUBLIC_TEST_PANS } from '@driftwatch/config-state/pan';
import {
  BRAND_EXAMPLES,
  breakLuhn,
  expectedMask,
  generatePan,
  groupPan,
  randomDigits,
  seededRandom,
} from '@driftwatch/config-state/pan/testing/pan-generator';

import { scanPathForPans, sniffEncoding } from './pan-scan';

const MIB = 1024 * 1024;

describe('scanPathForPans', () => {
  const random = seededRandom(2024);
  const pan = (prefix = '4', length = 16): string => generatePan(prefix, length, random);
  const planted: string[] = [];
  const plant = (p: string): string => {
    planted.push(p);
    return p;
  };
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'driftwatch-pan-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  /** Asserts the report never holds a planted number, nor any 13+ digit run. */
  function expectNoFullPan(report: unknown): void {
    const json = JSON.stringify(report);
    expect(json).not.toMatch(/[0-9]{13}/);
    for (const p of planted) expect(json).not.toContain(p);
  }

  it('counts card numbers per file in every format and context, and nothing else', async () => {
    const v = [plant(pan()), plant(pan()), plant(pan())];
    const amex = plant(pan('37', 15));
    const mc = plant(pan('2720', 16));
    const prose = [
      'Notes from the call.',
      `The customer read out ${v[0]} and then ${groupPan(v[1], [4, 4, 4, 4], '-')}.`,
      `Second card: ${groupPan(v[2], [4, 4, 4, 4], ' ')}, Amex ${groupPan(amex, [4, 6, 5], ' ')}.`,
      `Luhn-invalid ${breakLuhn(pan())}, unknown issuer ${pan('9')} and ${pan('1')}.`,
    ].join('\n');
    const csv = [
      'id,name,pan,exp',
      `1,Ann,${mc},12/27`,
      `2,Bob,${v[0]},01/28`,
      `3,Cy,${breakLuhn(mc)},02/29`,
    ].join('\n');
    const jsonPans = [plant(pan('6011', 16)), plant(pan('3589', 16))];
    const json = JSON.stringify({ a: { pan: jsonPans[0] }, b: [{ card: 1 }], c: 'x' }).replace(
      '"card":1',
      `"card":${jsonPans[1]}`,
    );
    const logPans = [plant(pan('53', 16)), plant(pan('305', 14))];
    const log = [
      `2024-05-01T12:30:45.123Z INFO charge card=${logPans[0]} amount=10.00`,
      '2024-05-01T12:30:46.001Z INFO request id=9f86d081884c7d659a2feaa0c55ad015 took 12ms',
      `2024-05-01 12:30:47 ${logPans[1]} declined`,
      `2024-05-01 12:30:48 ${logPans[0]} retried`,
    ].join('\n');
    await mkdir(join(root, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(root, 'notes.txt'), prose);
    await writeFile(join(root, 'nested', 'cards.csv'), csv);
    await writeFile(join(root, 'nested', 'deeper', 'payload.json'), json);
    await writeFile(join(root, 'app.log'), log);

    const report = await scanPathForPans(root);

    expect(report).toEqual({
      root: expect.any(String),
      scannedFiles: 4,
      skippedFiles: [],
      bytesScanned: Buffer.byteLength(prose) + csv.length + json.length + log.length,
      totalMatches: 11,
      testNumbers: 0,
      files: [
        {
          path: 'app.log',
          count: 3,
          brands: { mastercard: 2, diners: 1 },
          samples: [expectedMask(logPans[0]), expectedMask(logPans[1])],
          lines: [1, 3, 4],
        },
        {
          path: 'nested/cards.csv',
          count: 2,
          brands: { mastercard: 1, visa: 1 },
          samples: [expectedMask(mc), expectedMask(v[0])],
          lines: [2, 3],
        },
        {
          path: 'nested/deeper/payload.json',
          count: 2,
          brands: { discover: 1, jcb: 1 },
          samples: [expectedMask(jsonPans[0]), expectedMask(jsonPans[1])],
          lines: [1],
        },
        {
          path: 'notes.txt',
          count: 4,
          brands: { visa: 3, amex: 1 },
          samples: [expectedMask(v[0]), expectedMask(v[1]), expectedMask(v[2]), expectedMask(amex)],
          lines: [2, 3],
        },
      ],
    });
    expectNoFullPan(report);
    expect(panScanHandler.parse(JSON.stringify(report))).toEqual(report);
  });

  it('counts none of the decoys, and the published test numbers apart', async () => {
    const p = pan();
    const decoys = [
      `luhn-invalid ${breakLuhn(p)} ${breakLuhn(pan('37', 15))}`,
      `long ids ${randomDigits(24, random)} ${p}0000 order 2024-${p}`,
      `unknown issuer ${pan('1')} ${pan('9', 19)}`,
      `hash ${randomDigits(8, random)}${p}deadbeef uuid 123e4567-e89b-12d3-a456-${p.slice(0, 12)}`,
      'phones +1 (555) 123-4567, +44 20 7946 0958, +4915112345678',
      'dates 2024-05-01 12:30:45 20240501123045 1714567890123',
      `decimal 0.${p} version 1.2.${p}`,
      `repeated 4444444444444448`,
      [...PUBLIC_TEST_PANS].join(' ; '),
    ].join('\n');
    await writeFile(join(root, 'decoys.txt'), decoys);

    const report = await scanPathForPans(root);

    expect(report).toMatchObject({
      scannedFiles: 1,
      totalMatches: 0,
      testNumbers: PUBLIC_TEST_PANS.size,
      files: [],
    });
    expectNoFullPan(report);
  });

  it('finds a number across the 1 MiB read boundary exactly once', async () => {
    const p = plant(pan());
    for (const offset of [1, 2, 8, 15]) {
      const before = 'x'.repeat(MIB - offset);
      await writeFile(
        join(root, `split-${offset}.txt`),
        `${before} ${p}\nand ${groupPan(p, [4, 4, 4, 4], ' ')} end\n`,
      );
    }
    const report = await scanPathForPans(root);
    expect(report.files.map((f) => [f.path, f.count, f.lines])).toEqual([
      ['split-1.txt', 2, [1, 2]],
      ['split-15.txt', 2, [1, 2]],
      ['split-2.txt', 2, [1, 2]],
      ['split-8.txt', 2, [1, 2]],
    ]);
    expectNoFullPan(report);
  });

  it('gives the same counts and lines at every chunk boundary as scanning the text whole', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const e = BRAND_EXAMPLES[i % BRAND_EXAMPLES.length];
      const p = plant(pan(e.prefix, e.length));
      const form = i % 3 === 0 ? p : groupPan(p, [4, 4, 4, 4, 3], i % 3 === 1 ? ' ' : '-');
      lines.push(`${i} ${randomDigits(i % 5, random)} ${form} 1.${randomDigits(3, random)} ${breakLuhn(p)}`);
    }
    const text = lines.join('\n');
    await writeFile(join(root, 'f.txt'), text);
    const whole = findPans(text);
    expect(whole.length).toBeGreaterThan(20);
    for (const chunkBytes of [3, 7, 16, 64, 333]) {
      const report = await scanPathForPans(root, { chunkBytes });
      expect([chunkBytes, report.files[0].count, report.files[0].lines]).toEqual([
        chunkBytes,
        whole.length,
        [...new Set(whole.map((m) => m.line))].slice(0, 20),
      ]);
    }
  });

  it('scans binary files byte by byte', async () => {
    const p = [plant(pan()), plant(pan('55', 16)), plant(pan('62', 17))];
    const noise = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const data = Buffer.concat([
      noise(5000),
      Buffer.from([0]),
      Buffer.from(p[0], 'latin1'),
      Buffer.from([0, 0xff, 0xfe]),
      Buffer.from(p[1], 'latin1'),
      Buffer.from([0x00, 0x10]),
      noise(3000),
      Buffer.from([0x01]),
      Buffer.from(p[2], 'latin1'),
      Buffer.from([0x02]),
    ]);
    await writeFile(join(root, 'table.ibd'), data);
    const expected = findPans(data.toString('latin1'));
    const report = await scanPathForPans(root);
    expect(report.files[0]).toMatchObject({ path: 'table.ibd', count: expected.length });
    expect(report.files[0].samples).toEqual(expect.arrayContaining(p.map(expectedMask)));
    expectNoFullPan(report);
  });

  it('scans UTF-16 text (with or without a byte-order mark, either byte order) at every chunk boundary', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const e = BRAND_EXAMPLES[i % BRAND_EXAMPLES.length];
      const p = plant(pan(e.prefix, e.length));
      lines.push(
        `Kunde ${i}; Karte ${i % 2 ? groupPan(p, [4, 4, 4, 4, 3], ' ') : p}; Betrag 1${randomDigits(3, random)} €`,
      );
    }
    const text = lines.join('\r\n');
    const whole = findPans(text);
    expect(whole.length).toBeGreaterThan(8);
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    await writeFile(join(root, 'export-bom.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), le]));
    await writeFile(join(root, 'export-be.txt'), be);
    // Read as latin1 every digit is NUL-separated: nothing would be found.
    expect(findPans(le.toString('latin1'))).toEqual([]);
    for (const chunkBytes of [3, 7, 16, 64, MIB]) {
      const report = await scanPathForPans(root, { chunkBytes });
      expect(report.files.map((f) => [chunkBytes, f.path, f.count, f.lines])).toEqual(
        ['export-be.txt', 'export-bom.csv'].map((path) => [
          chunkBytes,
          path,
          whole.length,
          [...new Set(whole.map((m) => m.line))],
        ]),
      );
      expectNoFullPan(report);
    }
  });

  it('finds card numbers in UTF-16 text of any script without a byte-order mark, either byte order', async () => {
    const visaTest = '4111111111111111';
    const p = [plant(pan()), plant(pan('51', 16)), plant(pan('37', 15)), plant(pan('62', 16))];
    const text = [
      `Клиент Иванов оплатил заказ картой ${p[0]}; тестовая карта ${visaTest}.`,
      `Πελάτης: κάρτα ${groupPan(p[1], [4, 4, 4, 4], ' ')} — πληρωμή ολοκληρώθηκε.`,
      `客户 王先生 的卡号 ${p[2]} 已确认`,
      `Примечание: повторная оплата ${groupPan(p[3], [4, 4, 4, 4], '-')}`,
    ].join('\r\n');
    const whole = findPans(text);
    expect(whole).toHaveLength(4);
    const le = Buffer.from(text, 'utf16le');
    // Letters of these scripts hold no zero byte: barely half the pairs do (digits, spaces).
    expect(le.filter((b) => b === 0).length).toBeLessThan((le.length / 2) * 0.6);
    await writeFile(join(root, 'cyrillic-le.txt'), le);
    await writeFile(join(root, 'cyrillic-be.txt'), Buffer.from(le).swap16());
    expect(sniffEncoding(le)).toEqual({ encoding: 'utf16le', skip: 0 });
    expect(sniffEncoding(Buffer.from(le).swap16())).toEqual({ encoding: 'utf16be', skip: 0 });
    for (const chunkBytes of [7, 64, MIB]) {
      const report = await scanPathForPans(root, { chunkBytes });
      expect(report.files.map((f) => [f.path, f.count, f.lines])).toEqual(
        ['cyrillic-be.txt', 'cyrillic-le.txt'].map((path) => [path, 4, [1, 2, 3, 4]]),
      );
      expect(report.testNumbers).toBe(2);
      expectNoFullPan(report);
    }
  });

  it('reads as bytes, never as UTF-16, binary data (NULs on both sides, 16-bit numbers), UTF-8, latin1 and NUL-separated lists', async () => {
    const p = [plant(pan()), plant(pan('55', 16)), plant(pan('4', 16)), plant(pan('37', 15))];
    const noise = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => (random() < 0.4 ? 0 : Math.floor(random() * 256))));
    // NUL-terminated records of even length: every NUL on the same side, as in UTF-16LE ASCII.
    const records = Array.from({ length: 60 }, (_, i) => {
      const record = `/srv/exports/customer-${i}.csv ${i % 15 === 0 ? p[2] : randomDigits(6, random)}`;
      return `${record}${record.length % 2 === 0 ? ' ' : ''}\0`;
    }).join('');
    // NUL-separated UTF-8 names (find -print0) with NULs on both sides, read as UTF-16: clean text.
    const names = Array.from(
      { length: 60 },
      (_, i) =>
        `/srv/выгрузки/клиенты-${'абв'.repeat(i % 4)}${'_'.repeat(i % 3)}${i === 30 ? ` ${p[3]}` : ''}.csv\0`,
    ).join('');
    // 16-bit numbers below 256, little endian: a zero byte on one side, control characters read as UTF-16.
    const counters = Buffer.from(Uint16Array.from({ length: 3000 }, () => Math.floor(random() * 256)).buffer);
    const files: Record<string, Buffer> = {
      'table.ibd': Buffer.concat([noise(3000), Buffer.from(` ${p[0]} `, 'latin1'), noise(3000)]),
      'utf8.txt': Buffer.from(`Клиент оплатил картой ${p[1]}\nΠελάτης ${p[3]}\n客户 ${p[0]}\n`, 'utf8'),
      'latin1.txt': Buffer.from(`Kunde Müller, Straße 5, Karte ${p[1]} — Überweisung ${p[3]}\n`, 'latin1'),
      'list.bin': Buffer.from(records, 'latin1'),
      'names.bin': Buffer.from(names, 'utf8'),
      'counters.bin': Buffer.concat([counters, Buffer.from(` ${p[1]} `, 'latin1'), counters]),
    };
    const zeros = (b: Buffer, side: number) => b.filter((x, i) => x === 0 && i % 2 === side).length;
    expect(zeros(files['table.ibd'], 0)).toBeGreaterThan(1000);
    expect(zeros(files['table.ibd'], 1)).toBeGreaterThan(1000);
    expect(zeros(files['list.bin'], 0)).toBe(0);
    expect(zeros(files['names.bin'], 0)).toBeGreaterThan(10);
    expect(zeros(files['names.bin'], 1)).toBeGreaterThan(10);
    for (const [name, data] of Object.entries(files)) {
      expect([name, sniffEncoding(data)]).toEqual([name, { encoding: 'latin1', skip: 0 }]);
      await writeFile(join(root, name), data);
    }
    const report = await scanPathForPans(root);
    expect(report.files.map((f) => [f.path, f.count])).toEqual(
      Object.keys(files)
        .sort()
        .map((name) => [name, findPans(files[name].toString('latin1')).length]),
    );
    expect(report.files.every((f) => f.count > 0)).toBe(true);
    expectNoFullPan(report);
  });

  it('keeps at most 5 distinct samples and the first 20 lines', async () => {
    const pans = Array.from({ length: 8 }, () => plant(pan()));
    const text = Array.from({ length: 30 }, (_, i) => `row ${pans[i % 8]}`).join('\n');
    await writeFile(join(root, 'many.txt'), text);
    const [file] = (await scanPathForPans(root)).files;
    expect(file.count).toBe(30);
    expect(file.samples).toEqual(pans.slice(0, 5).map(expectedMask));
    expect(file.lines).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('masks card numbers and 13+ digit runs in paths', async () => {
    const p = plant(pan());
    const dir = `export-${groupPan(p, [4, 4, 4, 4], ' ')}`;
    await mkdir(join(root, dir));
    await writeFile(join(root, dir, `${p}.txt`), `card ${p}`);
    await writeFile(join(root, `${'7'.repeat(22)}.txt`), `card ${p}`);
    const report = await scanPathForPans(root);
    expect(report.files.map((f) => f.path)).toEqual([
      `777777${'*'.repeat(12)}7777.txt`,
      `export-${expectedMask(p)}/${expectedMask(p)}.txt`,
    ]);
    expectNoFullPan(report);
    expect(() => panScanHandler.parse(JSON.stringify(report))).not.toThrow();
  });

  it('skips and reports symbolic links, special files, files over the limit and unreadable files', async () => {
    const p = plant(pan());
    await writeFile(join(root, 'small.txt'), `card ${p}`);
    const big = `card ${p} ${'x'.repeat(200)}`;
    await writeFile(join(root, 'big.txt'), big);
    await writeFile(join(root, 'locked.txt'), `card ${p}`);
    await mkdir(join(root, 'outside'));
    await writeFile(join(root, 'outside', 'secret.txt'), `card ${p}`);
    await symlink(join(root, 'outside', 'secret.txt'), join(root, 'link.txt'));
    await symlink(join(root, 'outside'), join(root, 'linkdir'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const realOpen = fsPromises.open;
    jest.spyOn(fsPromises, 'open').mockImplementation((path, ...rest) => {
      if (String(path).endsWith('locked.txt')) {
        return Promise.reject(
          Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), { code: 'EACCES' }),
        );
      }
      return realOpen(path, ...rest);
    });

    const report = await scanPathForPans(root, { maxFileBytes: 100, exclude: ['outside'] });

    expect(report.skippedFiles).toEqual([
      { path: 'big.txt', reason: `larger than the limit of 100 bytes (${big.length} bytes)` },
      { path: 'link.txt', reason: 'symbolic link, not followed' },
      { path: 'linkdir', reason: 'symbolic link, not followed' },
      { path: 'locked.txt', reason: 'unreadable (EACCES)' },
      { path: 'pipe', reason: 'special file (device, FIFO or socket), not read' },
    ]);
    expect(report.files.map((f) => f.path)).toEqual(['small.txt']);
    expect(report.scannedFiles).toBe(1);
    expectNoFullPan(report);
  });

  it('leaves out excluded names and globs', async () => {
    const p = plant(pan());
    await mkdir(join(root, 'node_modules', 'x'), { recursive: true });
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'node_modules', 'x', 'a.txt'), p);
    await writeFile(join(root, 'src', 'a.log'), p);
    await writeFile(join(root, 'src', 'a.txt'), p);
    const report = await scanPathForPans(root, { exclude: ['node_modules', '**/*.log'] });
    expect(report.files.map((f) => f.path)).toEqual(['src/a.txt']);
  });

  it('stops after maxFiles and says the report is truncated', async () => {
    for (const name of ['a', 'b', 'c']) await writeFile(join(root, name), `card ${plant(pan())}`);
    const report = await scanPathForPans(root, { maxFiles: 2 });
    expect(report).toMatchObject({ scannedFiles: 2, truncated: true, totalMatches: 2 });
    expect(report.files.map((f) => f.path)).toEqual(['a', 'b']);
  });

  it('gives the same report for the same tree', async () => {
    for (const name of ['b/z.txt', 'a-b.txt', 'a/b.txt', 'A.txt']) {
      await mkdir(join(root, name, '..'), { recursive: true });
      await writeFile(join(root, name), `card ${plant(pan())}`);
    }
    const first = await scanPathForPans(root);
    expect(first.files.map((f) => f.path)).toEqual(['A.txt', 'a-b.txt', 'a/b.txt', 'b/z.txt']);
    expect(await scanPathForPans(root)).toEqual(first);
  });

  it('scans a single file given as root, and refuses a missing root without a card number in the error', async () => {
    const p = plant(pan());
    await writeFile(join(root, 'one.txt'), `card ${p}`);
    expect((await scanPathForPans(join(root, 'one.txt'))).files.map((f) => f.path)).toEqual(['one.txt']);
    const missing = join(root, `missing-${p}`);
    await expect(scanPathForPans(missing)).rejects.toThrow(/cannot scan .*ENOENT/);
    await expect(scanPathForPans(missing)).rejects.not.toThrow(p);
  });
});
