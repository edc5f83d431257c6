import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ScriptResult } from '@driftwatch/core';

import { parseNmapXml } from '../nmap-xml.parser';
import { withPortFacts } from './port-facts';
import { sshFacts } from './ssh-facts';
import { tlsFacts } from './tls-facts';

// Our own scan of two local test services: `openssl s_server -min_protocol TLSv1 -cipher
// 'ALL:@SECLEVEL=0'` with a self-signed certificate, and Debian's sshd with password auth on.
const FIXTURE = join(__dirname, '__fixtures__', 'local-tls-ssh.xml');

describe('TLS and SSH facts from NSE output', () => {
  let ports: Awaited<ReturnType<typeof withPortFacts>>[number]['ports'];

  beforeAll(async () => {
    const observation = await parseNmapXml(readFileSync(FIXTURE, 'utf8'));
    ports = withPortFacts(observation.hosts)[0]?.ports ?? [];
  });

  it('reads the TLS versions offered, every cipher with its grade, and the weakest grade', () => {
    const tls = ports.find((p) => p.port === 44301)?.tls;
    expect(tls?.versions).toEqual(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(tls?.leastGrade).toBe('F');
    expect(tls?.ciphers).toEqual(
      expect.arrayContaining([
        { protocol: 'TLSv1.0', name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', kex: 'dh 2048', grade: 'A' },
        { protocol: 'TLSv1.0', name: 'TLS_DH_anon_WITH_AES_128_CBC_SHA', kex: 'dh 1024', grade: 'F' },
      ]),
    );
    expect(tls?.errors).toEqual([]);
  });

  it('reads the certificate: subject, issuer, key, validity, self-signed', () => {
    const cert = ports.find((p) => p.port === 44301)?.tls?.certificate;
    expect(cert).toMatchObject({
      subject: { commonName: 'driftwatch-test', organizationName: 'Driftwatch Test' },
      issuer: { commonName: 'driftwatch-test', organizationName: 'Driftwatch Test' },
      keyType: 'rsa',
      keyBits: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      selfSigned: true,
    });
    expect(cert?.notAfter).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("reads the certificate's subjectAltName names and addresses as ssl-cert prints them", () => {
    const cert: ScriptResult = {
      id: 'ssl-cert',
      output: 'Subject: commonName=shop.example',
      elems: [],
      tables: [
        { key: 'subject', elems: [{ key: 'commonName', value: 'shop.example' }], tables: [] },
        { key: 'issuer', elems: [{ key: 'commonName', value: 'R11' }], tables: [] },
        {
          key: 'extensions',
          elems: [],
          tables: [
            {
              elems: [
                { key: 'name', value: 'X509v3 Basic Constraints' },
                { key: 'value', value: 'CA:FALSE' },
              ],
              tables: [],
            },
            {
              elems: [
                { key: 'name', value: 'X509v3 Subject Alternative Name' },
                {
                  key: 'value',
                  value:
                    'DNS:shop.example, DNS:*.shop.example, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:1',
                },
              ],
              tables: [],
            },
          ],
        },
      ],
    };
    expect(tlsFacts([cert])?.certificate).toMatchObject({
      dnsNames: ['shop.example', '*.shop.example'],
      ipAddresses: ['10.0.0.5', 'fd00:0:0:0:0:0:0:1'],
    });
    // Without the extension there is nothing to list, rather than two empty lists.
    const plain = { ...cert, tables: cert.tables.slice(0, 2) };
    expect(tlsFacts([plain])?.certificate).not.toHaveProperty('ipAddresses');
  });

  it('reads SSH algorithms and authentication methods', () => {
    const ssh = ports.find((p) => p.port === 44302)?.ssh;
    expect(ssh?.kexAlgorithms).toContain('curve25519-sha256');
    expect(ssh?.hostKeyAlgorithms).toEqual(['ssh-ed25519']);
    expect(ssh?.encryptionAlgorithms).toContain('chacha20-poly1305@openssh.com');
    expect(ssh?.macAlgorithms).toContain('hmac-sha1');
    expect(ssh?.authMethods).toEqual(['publickey', 'password']);
    expect(ports.find((p) => p.port === 44302)?.tls).toBeUndefined();
  });

  it('keeps a script error as an error instead of failing or inventing facts', () => {
    const failed: ScriptResult = {
      id: 'ssh-auth-methods',
      output: 'ERROR: Script execution failed (use -d to debug)',
      elems: [],
      tables: [],
    };
    expect(sshFacts([failed])).toEqual({
      kexAlgorithms: [],
      hostKeyAlgorithms: [],
      encryptionAlgorithms: [],
      macAlgorithms: [],
      compressionAlgorithms: [],
      errors: ['ERROR: Script execution failed (use -d to debug)'],
    });
  });

  it('gives no facts for ports without those scripts', () => {
    expect(tlsFacts([])).toBeUndefined();
    expect(sshFacts([{ id: 'http-title', output: 'x', elems: [], tables: [] }])).toBeUndefined();
  });
});
