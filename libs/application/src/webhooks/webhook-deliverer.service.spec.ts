import type { AppConfig } from '@driftwatch/config';
import { DriftwatchError } from '@driftwatch/core';
import type {
  DeliveryAttempt,
  WebhookDeliveryEntity,
  WebhookDeliveryRepository,
  WebhookEntity,
} from '@driftwatch/persistence';
import type { WebhookQueue } from '@driftwatch/queue';

import type { Clock } from '@driftwatch/application/common/clock';

import { WebhookDeliverer } from './webhook-deliverer.service';
import { WebhookDestinationRefused, type WebhookSender } from './webhook-sender';
import { WebhookSigner } from './webhook-signer';

const NOW = new Date('2026-11-24T00:00:00Z');

function setup(answer: () => Promise<{ status: number }>, state: Partial<WebhookDeliveryEntity> = {}) {
  const delivery = {
    id: 'd1',
    webhookId: 'w1',
    eventId: 'e1',
    eventType: 'drift.detected',
    payload: { id: 'e1', type: 'drift.detected' },
    status: 'pending',
    attempts: 0,
    ...state,
  } as WebhookDeliveryEntity;
  const webhook = {
    id: 'w1',
    url: 'https://hooks.example/x',
    secret: 'whsec_s',
    enabled: true,
    deletedAt: null,
  } as WebhookEntity;
  const attempts: DeliveryAttempt[] = [];
  const sent: { headers: Record<string, string>; body: string }[] = [];
  const deliveries = {
    findForSending: () => Promise.resolve({ delivery, webhook }),
    recordAttempt: (_id: string, attempt: DeliveryAttempt) => {
      attempts.push(attempt);
      return Promise.resolve(true);
    },
    recordDelivered: (_id: string, _before: number, done: { statusCode: number; at: Date }) => {
      attempts.push({
        status: 'delivered',
        statusCode: done.statusCode,
        error: null,
        nextAttemptAt: null,
        deliveredAt: done.at,
      });
      return Promise.resolve(true);
    },
  } as unknown as WebhookDeliveryRepository;
  const sender = {
    post: (_url: string, headers: Record<string, string>, body: string) => {
      sent.push({ headers, body });
      return answer();
    },
  } as unknown as WebhookSender;
  const config = { webhooks: { attempts: 3, backoffMs: 1000, timeoutMs: 100 } } as unknown as AppConfig;
  const clock: Clock = { now: () => new Date(NOW) };
  const deliverer = new WebhookDeliverer(
    deliveries,
    {} as WebhookQueue,
    sender,
    new WebhookSigner(),
    clock,
    config,
  );
  return { deliverer, attempts, sent, webhook };
}

describe('webhook deliverer', () => {
  it('signs the exact body it sends, with the timestamp from the clock', async () => {
    const { deliverer, sent, attempts } = setup(() => Promise.resolve({ status: 204 }));
    await expect(deliverer.deliver('d1')).resolves.toEqual({
      kind: 'delivered',
      statusCode: 204,
      attempts: 1,
    });
    const [request] = sent;
    const timestamp = NOW.getTime() / 1000;
    expect(request?.headers).toMatchObject({
      'Driftwatch-Event': 'drift.detected',
      'Driftwatch-Delivery': 'd1',
      'Driftwatch-Timestamp': String(timestamp),
      'Driftwatch-Signature': new WebhookSigner().sign('whsec_s', timestamp, request?.body ?? ''),
    });
    expect(attempts).toEqual([
      { status: 'delivered', statusCode: 204, error: null, nextAttemptAt: null, deliveredAt: NOW },
    ]);
  });

  it('signs with the previous secret too while its overlap runs, and with the current one alone after', async () => {
    const signer = new WebhookSigner();
    const during = setup(() => Promise.resolve({ status: 204 }));
    Object.assign(during.webhook, {
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: new Date(NOW.getTime() + 1000),
    });
    await during.deliverer.deliver('d1');
    const timestamp = NOW.getTime() / 1000;
    const [sentDuring] = during.sent;
    const body = sentDuring?.body ?? '';
    const header = sentDuring?.headers['Driftwatch-Signature'] ?? '';
    expect(header).toBe(
      `${signer.sign('whsec_s', timestamp, body)},${signer.sign('whsec_old', timestamp, body)}`,
    );
    expect(signer.verify('whsec_s', timestamp, body, header)).toBe(true);
    expect(signer.verify('whsec_old', timestamp, body, header)).toBe(true);

    const after = setup(() => Promise.resolve({ status: 204 }));
    Object.assign(after.webhook, { previousSecret: 'whsec_old', previousSecretExpiresAt: NOW });
    await after.deliverer.deliver('d1');
    const [sentAfter] = after.sent;
    expect(sentAfter?.headers['Driftwatch-Signature']).toBe(
      signer.sign('whsec_s', timestamp, sentAfter?.body ?? ''),
    );
  });

  it('records a failed attempt with its next time and throws, so the queue retries with backoff', async () => {
    const { deliverer, attempts } = setup(() => Promise.resolve({ status: 503 }), { attempts: 1 });
    await expect(deliverer.deliver('d1')).rejects.toBeInstanceOf(DriftwatchError);
    expect(attempts).toEqual([
      {
        status: 'pending',
        statusCode: 503,
        error: 'the receiver answered HTTP 503',
        nextAttemptAt: new Date(NOW.getTime() + 2000),
        deliveredAt: null,
      },
    ]);
  });

  it('marks the delivery failed on the last attempt, with the network error, without throwing', async () => {
    const { deliverer, attempts } = setup(() => Promise.reject(new Error('connect ECONNREFUSED')), {
      attempts: 2,
    });
    await expect(deliverer.deliver('d1')).resolves.toMatchObject({ kind: 'failed', attempts: 3 });
    expect(attempts).toEqual([
      {
        status: 'failed',
        statusCode: null,
        error: 'connect ECONNREFUSED',
        nextAttemptAt: null,
        deliveredAt: null,
      },
    ]);
  });

  it('fails a delivery at once, without retries, when its destination is refused', async () => {
    const refused = new WebhookDestinationRefused(
      'hooks.example resolves to a refused address: 10.0.0.5 is a private (RFC 1918) address',
    );
    const { deliverer, attempts } = setup(() => Promise.reject(refused), { attempts: 0 });
    await expect(deliverer.deliver('d1')).resolves.toMatchObject({ kind: 'failed', attempts: 1 });
    expect(attempts).toEqual([
      { status: 'failed', statusCode: null, error: refused.message, nextAttemptAt: null, deliveredAt: null },
    ]);
  });

  it('sends nothing for a delivery already settled, or whose webhook was deleted or disabled', async () => {
    const settled = setup(() => Promise.resolve({ status: 200 }), { status: 'delivered' });
    await expect(settled.deliverer.deliver('d1')).resolves.toMatchObject({ kind: 'skipped' });
    expect(settled.sent).toHaveLength(0);

    const gone = setup(() => Promise.resolve({ status: 200 }));
    gone.webhook.deletedAt = NOW;
    await expect(gone.deliverer.deliver('d1')).resolves.toMatchObject({ kind: 'failed' });
    expect(gone.sent).toHaveLength(0);
    expect(gone.attempts[0]).toMatchObject({ status: 'failed', error: 'the webhook was deleted' });

    const paused = setup(() => Promise.resolve({ status: 200 }));
    paused.webhook.enabled = false;
    await expect(paused.deliverer.deliver('d1')).resolves.toMatchObject({ kind: 'failed' });
    expect(paused.sent).toHaveLength(0);
    expect(paused.attempts[0]).toMatchObject({ status: 'failed', error: 'the webhook is disabled' });
  });
});
