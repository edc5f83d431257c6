import { type FirewallFacts, parseIptablesSave } from '@driftwatch/config-state';
import type { ConfigDocumentRepository, ScopeRepository } from '@driftwatch/persistence';
import type { ScanQueue } from '@driftwatch/queue';

import type { AuditTrail } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import type { WebhookEvents } from '@driftwatch/application/webhooks/webhook-events.service';

import { ConfigDocumentService } from './config-document.service';

jest.mock('@driftwatch/config-state', () => {
  const actual = jest.requireActual<typeof import('@driftwatch/config-state')>('@driftwatch/config-state');
  return { ...actual, firewallExposure: jest.fn(actual.firewallExposure) };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the mocked module's spy
const { firewallExposure } = require('@driftwatch/config-state') as { firewallExposure: jest.Mock };

const RULESET = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`;

function setup() {
  const facts = parseIptablesSave(RULESET) as FirewallFacts;
  const stored = (id: string, contentHash: string) => ({
    id,
    asset: '198.18.0.10',
    kind: 'iptables-save',
    facts,
    contentHash,
  });
  const documents = {
    document: (id: string) => Promise.resolve(id === 'missing' ? null : stored(id, `hash-of-${id}`)),
  } as unknown as ConfigDocumentRepository;
  const service = new ConfigDocumentService(
    {} as ScopeRepository,
    documents,
    {} as ScanQueue,
    new Clock(),
    {} as AuditTrail,
    {} as WebhookEvents,
  );
  return { service };
}

describe('ConfigDocumentService.exposure', () => {
  beforeEach(() => firewallExposure.mockClear());

  // The analysis runs on the request's thread for up to seconds: a reader polling a document
  // must not hold up every other request each time.
  it('analyses a stored ruleset once, however often its exposure is asked for', async () => {
    const { service } = setup();
    const first = await service.exposure('doc-1');
    const again = await service.exposure('doc-1');
    expect(again).toEqual(first);
    expect(first.hooks.input.allowed).toEqual([
      expect.objectContaining({
        sources: ['198.18.20.0/24'],
        protocol: 'tcp',
        ports: [{ from: 22, to: 22 }],
      }),
    ]);
    expect(firewallExposure).toHaveBeenCalledTimes(2); // input and forward, once
    await service.exposure('doc-2');
    expect(firewallExposure).toHaveBeenCalledTimes(4);
  });

  it('still answers 404 for a document that is not stored', async () => {
    const { service } = setup();
    await expect(service.exposure('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(firewallExposure).not.toHaveBeenCalled();
  });
});
