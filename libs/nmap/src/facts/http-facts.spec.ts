import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PortObservation, ScriptResult } from '@driftwatch/core';

import { parseNmapXml } from '../nmap-xml.parser';
import { httpFacts, parseHsts } from './http-facts';
import { withPortFacts } from './port-facts';

// Our own scans (nmap 7.93, -sT -sV --script http-headers) of servers opened on 127.0.0.1:
// 45101 Node http with Server, X-Powered-By, X-Frame-Options twice and HSTS "max-age=abc";
// 45102 Node https with HSTS "max-age=31536000; includeSubDomains; preload";
// 45103 Node http answering HEAD with 405, so the script falls back to GET (a 404);
// 45104 HTTP/1.0 for nmap's version probes but garbage for the script's HTTP/1.1 requests: no
//       http-headers result at all, except with -d (the second file), where it is an ERROR;
// 45105 python3 -m http.server.
const FIXTURES = join(__dirname, '__fixtures__');

async function portsOf(file: string): Promise<PortObservation[]> {
  const observation = await parseNmapXml(readFileSync(join(FIXTURES, file), 'utf8'));
  return withPortFacts(observation.hosts)[0]?.ports ?? [];
}

const headersScript = (output: string): ScriptResult => ({
  id: 'http-headers',
  output,
  elems: [],
  tables: [],
});

describe('HTTP facts from http-headers output', () => {
  let ports: PortObservation[];

  beforeAll(async () => {
    ports = await portsOf('local-http-headers.xml');
  });

  const at = (port: number) => ports.find((p) => p.port === port);

  it('parses the headers in order with names as sent, and a valid HSTS, from a real HTTPS scan', () => {
    const http = at(45102)?.http;
    expect(http).toEqual({
      requestType: 'HEAD',
      headers: [
        { name: 'Server', value: 'nginx/1.22.1' },
        { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains; preload' },
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'Date', value: 'Mon, 23 Nov 2026 16:29:34 GMT' },
        { name: 'Connection', value: 'close' },
      ],
      server: 'nginx/1.22.1',
      hsts: {
        maxAgeSeconds: 31536000,
        includeSubDomains: true,
        preload: true,
        valid: true,
        raw: 'max-age=31536000; includeSubDomains; preload',
      },
      errors: [],
    });
  });

  it('reads Server and X-Powered-By, keeps a repeated header twice, and keeps a malformed max-age as an error', () => {
    const http = at(45101)?.http;
    expect(http?.server).toBe('Driftwatch-Test/1.2.3 (Debian)');
    expect(http?.poweredBy).toBe('Express');
    expect(http?.headers.filter((h) => h.name === 'X-Frame-Options').map((h) => h.value)).toEqual([
      'DENY',
      'SAMEORIGIN',
    ]);
    expect(http?.hsts).toEqual({
      includeSubDomains: true,
      preload: false,
      valid: false,
      raw: 'max-age=abc; includeSubDomains',
    });
    expect(http?.errors).toEqual(['Strict-Transport-Security: max-age "abc" is not a number of seconds']);
  });

  it('gives no HSTS when the server sends none, and reads the header case as sent', () => {
    const http = at(45105)?.http;
    expect(http?.hsts).toBeUndefined();
    expect(http?.poweredBy).toBeUndefined();
    expect(http?.server).toBe('SimpleHTTP/0.6 Python/3.11.7');
    expect(http?.headers).toContainEqual({ name: 'Content-type', value: 'text/html; charset=utf-8' });
    expect(http?.errors).toEqual([]);
  });

  it('records that the script fell back to GET when HEAD was refused', () => {
    expect(at(45103)?.http).toMatchObject({
      requestType: 'GET',
      server: 'Apache/2.4.57 (Debian)',
      errors: [],
    });
  });

  it('gives no facts where the script left no result, and keeps the TLS and SSH facts absent', () => {
    expect(at(45104)?.scripts.map((s) => s.id)).toEqual(['http-server-header']);
    expect(at(45104)?.http).toBeUndefined();
    expect(at(45102)?.tls).toBeUndefined();
    expect(at(45102)?.ssh).toBeUndefined();
  });

  it('keeps a script error output as the error, with no headers', async () => {
    const failed = (await portsOf('local-http-headers-error.xml')).find((p) => p.port === 45104);
    expect(failed?.http).toEqual({ headers: [], errors: ['ERROR: Header request failed'] });
  });

  it('keeps an empty output as an error', () => {
    expect(httpFacts([headersScript('')])).toEqual({ headers: [], errors: ['http-headers: empty output'] });
    expect(httpFacts([headersScript('\n  \n')])?.errors).toEqual(['http-headers: empty output']);
  });

  it('keeps what a truncated output has, noting it may be cut short', () => {
    const facts = httpFacts([headersScript('\n  Server: nginx/1.22.1\n  Strict-Transport-Secu')]);
    expect(facts?.server).toBe('nginx/1.22.1');
    expect(facts?.requestType).toBeUndefined();
    expect(facts?.errors).toEqual([
      'http-headers: not a header line: "Strict-Transport-Secu"',
      'http-headers: output ends before "(Request type: ...)", so it may be cut short',
    ]);
  });

  it('uses the first of repeated Server and HSTS headers and says so', () => {
    const facts = httpFacts([
      headersScript(
        '\n  Server: a/1\n  Server: b/2\n  strict-transport-security: max-age=60\n' +
          '  Strict-Transport-Security: max-age=0\n  \n  (Request type: HEAD)\n',
      ),
    ]);
    expect(facts?.server).toBe('a/1');
    expect(facts?.hsts?.maxAgeSeconds).toBe(60);
    expect(facts?.errors).toEqual([
      'Server: sent 2 times; the first is used',
      'Strict-Transport-Security: sent 2 times; the first is used',
    ]);
  });

  it('joins a folded header line to the header before it', () => {
    const facts = httpFacts([headersScript('\n  X-Long: one\n  \t two\n  \n  (Request type: GET)\n')]);
    expect(facts?.headers).toEqual([{ name: 'X-Long', value: 'one two' }]);
    expect(facts?.errors).toEqual([]);
  });

  it('gives no facts for ports without http-headers', () => {
    expect(httpFacts([])).toBeUndefined();
    expect(httpFacts([{ id: 'http-title', output: 'x', elems: [], tables: [] }])).toBeUndefined();
  });
});

describe('Strict-Transport-Security parsing', () => {
  it('reads max-age, includeSubDomains and preload in any case and order, quoted or not', () => {
    expect(parseHsts('includesubdomains;  MAX-AGE="300" ;;preload').policy).toEqual({
      maxAgeSeconds: 300,
      includeSubDomains: true,
      preload: true,
      valid: true,
      raw: 'includesubdomains;  MAX-AGE="300" ;;preload',
    });
    expect(parseHsts('max-age=0').policy).toMatchObject({ maxAgeSeconds: 0, valid: true });
  });

  it('marks a missing, empty, negative or repeated max-age as invalid, never throwing', () => {
    expect(parseHsts('includeSubDomains').errors).toEqual([
      'Strict-Transport-Security: no max-age directive',
    ]);
    expect(parseHsts('max-age').errors).toEqual(['Strict-Transport-Security: max-age has no value']);
    expect(parseHsts('max-age=-1').policy).toMatchObject({ valid: false });
    expect(parseHsts('max-age=99999999999999999999').errors).toEqual([
      'Strict-Transport-Security: max-age 99999999999999999999 is out of range',
    ]);
    const twice = parseHsts('max-age=1; max-age=2');
    expect(twice.policy).toMatchObject({ maxAgeSeconds: 1, valid: false });
    expect(twice.errors).toEqual(['Strict-Transport-Security: max-age given more than once']);
    expect(parseHsts('').policy).toMatchObject({ valid: false, includeSubDomains: false });
    expect(parseHsts('max-age=10; "; includeSubDomains').policy.valid).toBe(false);
  });

  it('ignores unknown directives', () => {
    expect(parseHsts('max-age=10; report-uri="https://x/;y"').policy).toMatchObject({
      maxAgeSeconds: 10,
      valid: true,
      includeSubDomains: false,
    });
  });
});
