import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { FindingResponseDto } from '@driftwatch/application';
import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';

// nmap 7.93's output for a local TLS server (44301: TLS 1.0, self-signed) and a local sshd
// (44302: password authentication), with ssl-enum-ciphers, ssl-cert, ssh2-enum-algos and
// ssh-auth-methods.
const SCAN = readFileSync(
  resolve(__dirname, '../../libs/nmap/src/facts/__fixtures__/local-tls-ssh.xml'),
  'utf8',
);
const START = 1795435789;
const FINISHED = 1795435835;

/** The same scan `later` seconds on, dated accordingly. */
const rescan = (later: number, edit: (xml: string) => string = (xml) => xml) =>
  edit(SCAN)
    .replace(`start="${START}"`, `start="${START + later}"`)
    .replace(`<finished time="${FINISHED}"`, `<finished time="${FINISHED + later}"`);
// What a scan gives when every NSE script timed out: the ports, and nothing the scripts read.
const withoutScripts = (xml: string) =>
  xml.replace(/<script\b[^>]*\/>/g, '').replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
const withoutTlsPort = (xml: string) =>
  xml.replace(/<port protocol="tcp" portid="44301">[\s\S]*?<\/port>/, '');

const TLS_AND_SSH = [
  'tcp/44301 pci-dss-v4.4.2.1-certificate-self-signed',
  'tcp/44301 pci-dss-v4.4.2.1-tls-below-1.2',
  'tcp/44302 pci-dss-v4.8.4.2-ssh-password-authentication',
];

/**
 * A finding whose rule reads what an NSE script found stays open when a later scan could not read
 * it (the script timed out or failed): nothing shows it fixed. It used to resolve, and reopen at
 * the next scan that read the facts, sending a "reopened" webhook each time.
 */
describe('findings a scan could not judge', () => {
  let harness: ApiWithoutWorkers;
  let api: ApiClient;
  let scopeId: string;

  beforeAll(async () => {
    // No worker: this test runs each import's evaluation itself, to read its outcome.
    harness = await apiWithoutWorkers({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8' });
    api = harness.api;
    scopeId = await api.createScope({
      name: 'unjudged',
      targets: ['127.0.0.1/32'],
      ports: [44301, 44302],
      approvedPorts: [44301, 44302],
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  const importAndEvaluate = async (xml: string) =>
    harness.evaluate(await harness.scanner.importXml(scopeId, xml));
  const findings = async (status: 'open' | 'resolved') =>
    (
      (
        await api
          .http()
          .get(`/api/v1/findings?scope=${scopeId}&status=${status}&limit=100`)
          .set(api.auth)
          .expect(200)
      ).body as { items: FindingResponseDto[] }
    ).items;
  const keys = (items: FindingResponseDto[]) =>
    items
      .map((f) => `${f.subject} ${f.ruleId}`)
      .filter((k) => TLS_AND_SSH.includes(k))
      .sort();

  it('keeps TLS and SSH findings open through a scan whose scripts gave nothing, and resolves them once their port closes', async () => {
    await expect(importAndEvaluate(rescan(0))).resolves.toMatchObject({ kind: 'evaluated' });
    const first = await findings('open');
    expect(keys(first)).toEqual(TLS_AND_SSH);

    const blind = await importAndEvaluate(rescan(600, withoutScripts));
    expect(blind).toMatchObject({ kind: 'evaluated', unjudged: expect.any(Number) as number });
    expect((blind as { unjudged: number }).unjudged).toBeGreaterThanOrEqual(TLS_AND_SSH.length);
    const after = await findings('open');
    expect(keys(after)).toEqual(TLS_AND_SSH);
    // Not seen again either: the last scan that showed them failing is still the first.
    for (const finding of after.filter((f) => TLS_AND_SSH.includes(`${f.subject} ${f.ruleId}`))) {
      expect(finding.lastSeenAt).toBe(first.find((f) => f.id === finding.id)?.lastSeenAt);
    }
    expect(keys(await findings('resolved'))).toEqual([]);
    // The evaluation's record says how many it kept unjudged.
    const evaluations = (
      (await api.http().get(`/api/v1/scopes/${scopeId}/evaluations`).set(api.auth).expect(200)).body as {
        items: { unjudged: number | null }[];
      }
    ).items;
    expect(evaluations.map((e) => e.unjudged)).toEqual([(blind as { unjudged: number }).unjudged, 0]);

    // A closed port is judged: nothing listens there, whatever the scripts said.
    await importAndEvaluate(rescan(1200, (xml) => withoutTlsPort(withoutScripts(xml))));
    expect(keys(await findings('open'))).toEqual(['tcp/44302 pci-dss-v4.8.4.2-ssh-password-authentication']);
    expect(keys(await findings('resolved'))).toEqual([
      'tcp/44301 pci-dss-v4.4.2.1-certificate-self-signed',
      'tcp/44301 pci-dss-v4.4.2.1-tls-below-1.2',
    ]);
  });
});
