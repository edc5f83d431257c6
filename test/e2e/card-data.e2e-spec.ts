import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { Redis } from 'ioredis';
import { Client } from 'pg';

import type { FindingResponseDto, ScanResponseDto } from '@driftwatch/application';
import type { PanScanFile, PanScanReport } from '@driftwatch/config-state/pan';
import {
  breakLuhn,
  expectedMask,
  generatePan,
  groupPan,
  randomDigits,
  seededRandom,
} from '@driftwatch/config-state/pan/testing/pan-generator';
import { BUILT_CLI, type CliOutcome, runCli } from '@driftwatch/test/cli';
import { freePort } from '@driftwatch/test/private-redis';
import { waitFor } from '@driftwatch/test/services';
import { createTestEnvironment, type TestEnvironment } from '@driftwatch/test/test-app';

const ROOT = resolve(__dirname, '../..');
const SERVER = join(ROOT, 'dist/apps/standalone/main.js');
const RULE = 'pci-dss-v4.3.2.1-card-data-outside-declared-stores';
const ASSET = '192.0.2.20';
const ASSET_RE = ASSET.replace(/\./g, '\\.');

const SNAPSHOT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV -p 22 192.0.2.16/28" start="1790000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="syn-ack"/><address addr="${ASSET}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" method="probed" conf="10"/></port></ports></host>
<runstats><finished time="1790000010" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;

/** A card number written into the tree: its digits, how it was printed there, its brand. */
interface Planted {
  pan: string;
  printed: string;
  brand: string;
}

/** A file of the planted tree and the card numbers in it, by 1-based line. */
interface TreeFile {
  path: string;
  text: string;
  plants: { card: Planted; line: number }[];
}

type Part = string | Planted;

/** Builds a file line by line; card numbers are recorded with the line they are on. */
function treeFile(path: string, lines: Part[][]): TreeFile {
  const plants: TreeFile['plants'] = [];
  const text = lines
    .map((parts, i) =>
      parts
        .map((part) => {
          if (typeof part === 'string') return part;
          plants.push({ card: part, line: i + 1 });
          return part.printed;
        })
        .join(''),
    )
    .join('\n');
  return { path, text: `${text}\n`, plants };
}

/** The report entry the scanner must produce for a file: every planted number, nothing else. */
function expectedEntry(file: TreeFile): PanScanFile {
  const brands: Record<string, number> = {};
  const samples: string[] = [];
  for (const { card } of file.plants) {
    brands[card.brand] = (brands[card.brand] ?? 0) + 1;
    const mask = expectedMask(card.pan);
    if (samples.length < 5 && !samples.includes(mask)) samples.push(mask);
  }
  return {
    path: file.path,
    count: file.plants.length,
    brands,
    samples,
    lines: [...new Set(file.plants.map((p) => p.line))].slice(0, 20),
  };
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Card-shaped numbers in `text`, found independently of the product's detector: 13–19 digits,
 * contiguous or in groups of 3–6 joined by one kind of separator (space or dash), not part of an
 * alphanumeric token, starting with an issuer digit (2–6) and passing Luhn. Broader than the
 * detector on purpose; returned masked so a failure message does not print them whole.
 */
function cardShapedNumbers(text: string): string[] {
  const found: string[] = [];
  const check = (digits: string): void => {
    if (digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits))
      found.push(expectedMask(digits));
  };
  // JSON escapes (\n, \t) in dumps would otherwise glue a letter to the digits that follow.
  const plain = text.replace(/\\[nrtbf]/g, ' ');
  for (const chain of plain.matchAll(/(?<![0-9A-Za-z])[0-9]+(?:[ -][0-9]+)*(?![0-9A-Za-z])/g)) {
    const parts = chain[0].split(/([ -])/);
    const groups = parts.filter((_, i) => i % 2 === 0);
    const seps = parts.filter((_, i) => i % 2 === 1);
    for (let a = 0; a < groups.length; a++) {
      let joined = groups[a] ?? '';
      check(joined);
      if (joined.length < 3 || joined.length > 6) continue;
      for (let b = a + 1; b < groups.length && joined.length <= 19; b++) {
        const group = groups[b] ?? '';
        if (group.length < 3 || group.length > 6 || seps[b - 1] !== seps[a]) break;
        joined += group;
        check(joined);
      }
    }
  }
  return found;
}

/**
 * "No full PAN appears in the database, logs or API output": a real server (the built
 * single-machine entry point, debug logging captured) takes a PAN scan of a planted tree from the
 * built CLI, raises the card-data finding with the count, and afterwards not one planted card
 * number, in any printed form, is in any table, log line, API response or CLI output.
 */
describe('card data: pan-scan finds planted card numbers and no full PAN is stored, logged or served', () => {
  const random = seededRandom(20261124);
  const card = (brand: string, prefix: string, length: number, grouping?: number[], sep = ' '): Planted => {
    const pan = generatePan(prefix, length, random);
    return { pan, printed: grouping ? groupPan(pan, grouping, sep) : pan, brand };
  };
  /** The same number printed again, in another format. */
  const again = (c: Planted, grouping: number[], sep: string): Planted => ({
    ...c,
    printed: groupPan(c.pan, grouping, sep),
  });
  /** A Luhn-valid number, used inside a decoy only: never printed where it should be counted. */
  const hidden = (prefix = '4', length = 16): string => generatePan(prefix, length, random);

  const visa = card('visa', '4', 16);
  const mastercard = card('mastercard', '53', 16, [4, 4, 4, 4], '-');
  const amex = card('amex', '37', 15, [4, 6, 5], ' ');
  const discover = card('discover', '6011', 16, [4, 4, 4, 4], ' ');
  const jcb = card('jcb', '3589', 16);
  const mir = card('mir', '2202', 16, [4, 4, 4, 4], '-');
  const visa13 = card('visa', '4', 13);
  const amexDashes = card('amex', '34', 15, [4, 6, 5], '-');
  const unionpay = card('unionpay', '621', 19);
  const diners = card('diners', '305', 14);
  const visa19 = card('visa', '4', 19, [4, 4, 4, 4, 3], ' ');
  const mastercard2 = card('mastercard', '2720', 16);
  const discover2 = card('discover', '622500', 16, [4, 4, 4, 4], ' ');
  const later = card('visa', '4', 16, [4, 4, 4, 4], '-');
  const hostile = card('visa', '4', 16, [4, 4, 4, 4], ' ');

  const files: TreeFile[] = [
    treeFile('notes.txt', [
      ['Call notes, 2024-05-01. Ticket 20240501-0042, callback +1 (555) 123-4567.'],
      ['The customer read out ', visa, ' and asked us to keep it on file.'],
      ['Second card ', mastercard, ', expiring 12/27, CVV 123; corporate Amex ', amex, '.'],
      [`Order ${breakLuhn(hidden())} was refused (Luhn-invalid), reference ${randomDigits(24, random)}.`],
      ['Their Discover is ', discover, ' and the processor test card 4111 1111 1111 1111 was tried.'],
    ]),
    treeFile('exports/2024/cards.csv', [
      ['id,name,pan,expiry,amount,phone'],
      ['1,Ann Lee,', jcb, ',12/27,10.00,+4915112345678'],
      ['2,Bo Chen,', mir, ',01/28,12.50,+44 20 7946 0958'],
      ['3,Cy Diaz,', visa13, ',02/29,7.25,555-123-4567'],
      [`4,Di Eze,${breakLuhn(hidden('53'))},03/30,1.00,`],
      ['5,Ed Fox,"', amexDashes, '",04/30,99.99,'],
      [`6,Fay Gu,123e4567-e89b-12d3-a456-${hidden().slice(0, 12)},05/30,0.01,`],
    ]),
    treeFile('api/payload.json', [
      ['{'],
      ['  "orders": ['],
      ['    { "id": "ord_1", "pan": "', unionpay, '", "amount": 12.5 },'],
      ['    { "id": "ord_2", "card": ', diners, ', "total": 1714567890123 },'],
      ['    { "id": "ord_3", "pan": "', visa19, '" },'],
      [`    { "id": "ord_4", "sha": "ab${hidden()}cdef0123", "ref": "${randomDigits(22, random)}" },`],
      [`    { "id": "ord_5", "bad": ${breakLuhn(hidden('6011'))}, "tx": "${hidden()}0000" }`],
      ['  ]'],
      ['}'],
    ]),
    treeFile('logs/app.log', [
      ['2024-05-01T12:30:45.123Z INFO charge ok card=', mastercard2, ' amount=10.00'],
      ['2024-05-01T12:30:46.001Z DEBUG request id=9f86d081884c7d659a2feaa0c55ad015 took 12ms'],
      ['2024-05-01 12:30:47 ', discover2, ' declined 12/27'],
      ['2024-05-01 12:30:48 retry card=', again(mastercard2, [4, 4, 4, 4], ' '), ' attempt=2'],
      [
        `2024-05-01 12:30:49 WARN session 550e8400-e29b-41d4-a716-446655440000 id=${randomDigits(20, random)}`,
      ],
      [`2024-05-01 12:30:50 WARN checksum ${breakLuhn(hidden('37', 15))} version 1.2.${hidden()}`],
    ]),
  ];
  const decoys = treeFile('decoys.txt', [
    [`luhn-invalid ${breakLuhn(hidden())} ; ${breakLuhn(hidden('37', 15))} ; ${breakLuhn(hidden('3589'))}`],
    [
      `long ids ${randomDigits(20, random)} ${randomDigits(32, random)} ${hidden()}0000 order 2024-${hidden()}`,
    ],
    [
      `hex ${randomDigits(8, random)}${hidden()}deadbeef uuid 123e4567-e89b-12d3-a456-${hidden().slice(0, 12)}`,
    ],
    ['phones +1 (555) 123-4567, +44 20 7946 0958, +4915112345678, 555-0100'],
    ['dates 2024-05-01 12:30:45 20240501123045 1714567890123'],
  ]);
  const extra = treeFile('later/extra.txt', [['one more card ', later]]);
  /** Every card number that must never leave the tree: planted ones, and the hostile client's. */
  const mustNotLeak = (): Planted[] => [
    ...[...files, extra].flatMap((f) => f.plants.map((p) => p.card)),
    hostile,
  ];

  let env: TestEnvironment;
  let dir: string;
  let tree: string;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let api: string;
  let keys: { scanner: string; analyst: string };
  let scopeId: string;
  /** Every API response body this test read, and everything the CLI printed. */
  const apiOutput: string[] = [];
  const cliOutput: string[] = [];

  async function cli(...args: string[]): Promise<CliOutcome> {
    const outcome = await runCli(args, {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: env.db.url,
        REDIS_URL: env.config.redis.url,
        REDIS_PREFIX: env.redisPrefix,
      },
    });
    cliOutput.push(outcome.stdout, outcome.stderr);
    return outcome;
  }

  /** A call to the spawned server; the response body is kept for the leak check. */
  async function call(
    method: string,
    path: string,
    role: keyof typeof keys,
    body?: string,
    contentType = 'application/json',
  ): Promise<{ status: number; text: string; json: unknown }> {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${keys[role]}`,
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    apiOutput.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  beforeAll(async () => {
    for (const file of [SERVER, BUILT_CLI]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), 'dw-card-data-'));
    tree = join(dir, 'tree');
    for (const file of [...files, decoys]) {
      mkdirSync(dirname(join(tree, file.path)), { recursive: true });
      writeFileSync(join(tree, file.path), file.text);
    }
    env = await createTestEnvironment();
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [SERVER], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: env.db.url,
        REDIS_URL: env.config.redis.url,
        REDIS_PREFIX: env.redisPrefix,
        PORT: String(port),
        LOG_LEVEL: 'debug',
        NMAP_PATH: '/usr/bin/nmap',
        SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24',
        POLICY_DIR: join(ROOT, 'policies/pci-dss-v4'),
        DRIFTWATCH_RUN_DIR: join(dir, 'run'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));

    keys = { scanner: '', analyst: '' };
    for (const role of ['scanner', 'analyst'] as const) {
      const created = await cli(
        'api-keys',
        'create',
        '--name',
        `card-data-${role}`,
        '--role',
        role,
        '--json',
      );
      if (created.code !== 0) throw new Error(`api-keys create failed: ${created.stderr}`);
      keys[role] = (JSON.parse(created.stdout) as { secret: string }).secret;
    }
    await waitFor(
      'the server to answer /health',
      async () => {
        if (server?.exitCode !== null) throw new Error(`the server exited:\n${serverLog}`);
        return (await fetch(`${api}/health`)).ok;
      },
      { timeoutMs: 30_000 },
    );

    const scope = await call(
      'POST',
      '/api/v1/scopes',
      'analyst',
      JSON.stringify({ name: 'card-data', targets: ['192.0.2.16/28'], ports: [22], approvedPorts: [22] }),
    );
    expect(scope.status).toBe(201);
    scopeId = (scope.json as { id: string }).id;
    // The scanned asset is in the inventory, and not as a cardholder-data store.
    const context = await call(
      'PUT',
      '/api/v1/context',
      'analyst',
      JSON.stringify({ inventory: [{ address: ASSET, name: 'app-1', storesCardData: false }] }),
    );
    expect(context.status).toBe(200);
    // Config documents are judged with the scope's latest snapshot: import one first.
    const imported = await call(
      'POST',
      `/api/v1/scopes/${scopeId}/snapshots`,
      'scanner',
      SNAPSHOT_XML,
      'application/xml',
    );
    expect(imported.status).toBe(201);
    const { scanId } = imported.json as { scanId: string };
    await waitFor('the snapshot to be evaluated', async () => {
      const scan = (await call('GET', `/api/v1/scans/${scanId}`, 'analyst')).json as ScanResponseDto;
      return scan.status === 'completed';
    });
  });

  afterAll(async () => {
    const child = server;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((done) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      });
    }
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until the server has logged `marker` (after offset `from`): its earlier lines are written too. */
  const logged = (marker: string, from = 0): Promise<boolean> =>
    waitFor(`the server to log ${marker}`, () => Promise.resolve(serverLog.slice(from).includes(marker)));

  const pushArgs = (): string[] => ['--push', api, '--token', keys.scanner, '--scope', scopeId];

  it('reports every planted number per file, none of the decoys, without pushing', async () => {
    const printed = await cli('collect', 'pan-scan', '--path', tree, '--asset', ASSET);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    const body = JSON.parse(printed.stdout) as { kind: string; asset: string; content: string };
    expect(body).toMatchObject({ kind: 'pan-scan', asset: ASSET });
    const report = JSON.parse(body.content) as PanScanReport;
    const expected = [...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map(expectedEntry);
    expect(report).toEqual({
      root: tree,
      scannedFiles: files.length + 1,
      skippedFiles: [],
      bytesScanned: [...files, decoys].reduce((n, f) => n + Buffer.byteLength(f.text), 0),
      totalMatches: files.reduce((n, f) => n + f.plants.length, 0),
      // 4111 1111 1111 1111 in notes.txt: a processor's published test number, counted apart.
      testNumbers: 1,
      files: expected,
    });
    // The planted set covers several brands, every printed format and every file type.
    expect(new Set(mustNotLeak().map((c) => c.brand)).size).toBeGreaterThanOrEqual(7);
    expect(report.files.map((f) => f.count)).toEqual([3, 4, 3, 4]);
  });

  it('pushes the scan and the API opens a critical finding on the asset stating the count', async () => {
    const total = files.reduce((n, f) => n + f.plants.length, 0);
    const pushed = await cli('collect', 'pan-scan', '--path', tree, '--asset', ASSET, ...pushArgs());
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
    expect(pushed.stdout).toMatch(
      new RegExp(`^created: pan-scan of ${ASSET_RE} \\(document [0-9a-f-]{36}\\)\n$`),
    );

    const finding = await waitFor('the card-data finding', async () => {
      const list = await call('GET', `/api/v1/findings?scope=${scopeId}&status=open`, 'analyst');
      return (list.json as { items: FindingResponseDto[] }).items.find((f) => f.ruleId === RULE);
    });
    expect(finding).toMatchObject({ asset: ASSET, severity: 'critical', status: 'open' });
    expect(finding.message).toBe(
      `${ASSET}: ${total} card numbers found in files outside the declared cardholder-data stores`,
    );

    // A later scan finding one more file is recorded as drift, per file.
    mkdirSync(join(tree, 'later'));
    writeFileSync(join(tree, extra.path), extra.text);
    const changed = await cli('collect', 'pan-scan', '--path', tree, '--asset', ASSET, ...pushArgs());
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    expect(changed.stdout).toMatch(/^changed: pan-scan of 192\.0\.2\.20 /);
    expect(changed.stdout).toContain('  card data found in later/extra.txt: 1 card number (visa 1)\n');
  });

  it('refuses a hostile report carrying an unmasked card number with 400, echoing and logging nothing of it', async () => {
    const report: PanScanReport = {
      root: '/srv',
      scannedFiles: 1,
      skippedFiles: [],
      bytesScanned: 100,
      totalMatches: 2,
      testNumbers: 0,
      files: [
        {
          path: 'orders.csv',
          count: 2,
          brands: { visa: 2 },
          samples: [hostile.pan, hostile.printed],
          lines: [1, 2],
        },
      ],
    };
    const before = serverLog.length;
    const res = await call(
      'POST',
      `/api/v1/scopes/${scopeId}/config?probe=hostile-sample`,
      'scanner',
      JSON.stringify({
        kind: 'pan-scan',
        asset: ASSET,
        collectedAt: new Date().toISOString(),
        content: JSON.stringify(report),
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_FAILED' });
    // Wait until the server has logged this request, so the log check below covers it.
    await logged('probe=hostile-sample', before);
    for (const text of [res.text, serverLog.slice(before)]) {
      expect(text).not.toContain(hostile.pan);
      expect(text).not.toContain(hostile.printed);
      expect(cardShapedNumbers(text)).toEqual([]);
    }
  });

  it('leaves no full card number in the database, the server log, any API response or the CLI output', async () => {
    // Read everything a user or auditor could: the findings, their history, the documents.
    const list = await call('GET', `/api/v1/findings?scope=${scopeId}`, 'analyst');
    const findings = (list.json as { items: FindingResponseDto[] }).items;
    const cardFinding = findings.find((f) => f.ruleId === RULE);
    expect(cardFinding).toBeDefined();
    for (const f of findings) {
      expect((await call('GET', `/api/v1/findings/${f.id}`, 'analyst')).status).toBe(200);
      expect((await call('GET', `/api/v1/findings/${f.id}/timeline`, 'analyst')).status).toBe(200);
    }
    const states = await call('GET', `/api/v1/scopes/${scopeId}/config`, 'analyst');
    expect(states.status).toBe(200);
    const changes = await call('GET', `/api/v1/scopes/${scopeId}/config/changes`, 'analyst');
    expect(changes.status).toBe(200);
    const changeItems = (changes.json as { items: { fromDocumentId: string; toDocumentId: string }[] }).items;
    expect(changeItems).toHaveLength(1);
    const documentIds = changeItems.flatMap((c) => [c.fromDocumentId, c.toDocumentId]);
    for (const id of documentIds) {
      const doc = await call('GET', `/api/v1/config-documents/${id}`, 'analyst');
      expect(doc.status).toBe(200);
      // The stored document is the report itself: counts and masked samples.
      expect((doc.json as { content: string }).content).toContain(expectedMask(visa.pan));
    }
    // Give the config evaluation's log lines time to be written before reading the log.
    await logged(`/api/v1/config-documents/${documentIds[1] ?? ''}`);

    const database = await dumpDatabase(env.db.url);
    const redis = await dumpRedis(env.config.redis.url, env.redisPrefix);
    // The dumps are real: the masked samples are there, so a missing table would show.
    expect(database).toContain(expectedMask(visa.pan));
    expect(serverLog).toContain('config document received');
    // The independent check finds every planted number where it is (the tree), so it can find a leak.
    const treeMasks = cardShapedNumbers([...files, extra].map((f) => f.text).join('\n'));
    for (const c of mustNotLeak().filter((c) => c !== hostile))
      expect([c.printed, treeMasks.includes(expectedMask(c.pan))]).toEqual([c.printed, true]);
    const places: [string, string][] = [
      ['database', database],
      ['redis', redis],
      ['server log', serverLog],
      ['API responses', apiOutput.join('\n')],
      ['CLI output', cliOutput.join('\n')],
    ];
    const leaks: string[] = [];
    for (const [where, text] of places) {
      for (const c of mustNotLeak()) {
        const forms = new Set([
          c.pan,
          c.printed,
          groupPan(c.pan, [4, 4, 4, 4, 3], ' '),
          groupPan(c.pan, [4, 4, 4, 4, 3], '-'),
          groupPan(c.pan, [4, 6, 5], ' '),
          groupPan(c.pan, [4, 6, 5], '-'),
        ]);
        for (const form of forms) if (text.includes(form)) leaks.push(`${where}: ${form}`);
      }
      for (const masked of cardShapedNumbers(text)) leaks.push(`${where}: card-shaped ${masked}`);
    }
    expect(leaks).toEqual([]);
  });

  // Runs last: a vector that gets through leaves the number behind for the checks above.
  it('keeps a card number out of the database, logs and responses whatever field a client puts it in', async () => {
    const pan = generatePan('4', 16, random);
    const content = JSON.stringify({
      root: '/srv',
      scannedFiles: 1,
      skippedFiles: [],
      bytesScanned: 10,
      totalMatches: 1,
      testNumbers: 0,
      files: [{ path: 'a.txt', count: 1, brands: { visa: 1 }, samples: [expectedMask(pan)], lines: [1] }],
    });
    const submission = { kind: 'pan-scan', asset: ASSET, collectedAt: new Date().toISOString(), content };
    const config = `/api/v1/scopes/${scopeId}/config`;
    // Rows: what the client does, the call, and whether the API must refuse it.
    const vectors: [string, { method: string; path: string; body?: string }, boolean][] = [
      ['searches documents by it (?asset=)', { method: 'GET', path: `${config}?asset=${pan}` }, false],
      [
        'sends it as the asset',
        { method: 'POST', path: config, body: JSON.stringify({ ...submission, asset: pan }) },
        true,
      ],
      [
        'sends it as a property name',
        { method: 'POST', path: config, body: JSON.stringify({ ...submission, [pan]: 'x' }) },
        true,
      ],
      [
        'sends malformed JSON around it',
        { method: 'POST', path: config, body: `{"kind":"pan-scan","asset":"${ASSET}","content":x${pan}}` },
        true,
      ],
    ];
    const problems: string[] = [];
    for (const [i, [what, req, refused]] of vectors.entries()) {
      const before = serverLog.length;
      const role = req.method === 'GET' ? 'analyst' : 'scanner';
      const res = await call(req.method, req.path, role, req.body);
      if (refused && res.status !== 400) problems.push(`${what}: answered ${res.status}, not 400`);
      if (res.text.includes(pan)) problems.push(`${what}: the response holds the number`);
      // A later request's log line means this one's has been written.
      await call('GET', `/api/v1/context?probe=vector-${i}`, 'analyst');
      await logged(`probe=vector-${i}`, before);
      if (serverLog.slice(before).includes(pan)) problems.push(`${what}: the server log holds the number`);
    }
    if ((await dumpDatabase(env.db.url)).includes(pan)) problems.push('the database holds the number');
    expect(problems).toEqual([]);
  });
});

/** Every row of every table of the test database, as JSON text. */
async function dumpDatabase(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.map((t) => t.name)).toEqual(
      expect.arrayContaining(['config_documents', 'config_states', 'config_changes', 'findings']),
    );
    const out: string[] = [];
    for (const { schema, name } of tables.rows) {
      const rows = await client.query<{ j: string }>(
        `SELECT row_to_json(t)::text AS j FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)} t`,
      );
      out.push(`-- ${schema}.${name}`, ...rows.rows.map((r) => r.j));
    }
    return out.join('\n');
  } finally {
    await client.end();
  }
}

/** Every key under the test's Redis prefix (queue jobs, events), as text. */
async function dumpRedis(url: string, prefix: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        out.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
    return out.join('\n');
  } finally {
    redis.disconnect();
  }
}
