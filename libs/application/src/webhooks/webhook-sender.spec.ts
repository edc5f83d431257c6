import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AppConfig } from '@driftwatch/config';

import { WebhookDestinationRefused, WebhookSender } from './webhook-sender';

/** The sender against a receiver on 127.0.0.1 (a port this test opens), with or without loopback allowed. */
describe('webhook sender', () => {
  let server: Server;
  let port: number;
  const received: { method?: string; body: string; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers,
        });
        res.writeHead(
          req.url === '/redirect' ? 302 : 204,
          req.url === '/redirect' ? { Location: '/elsewhere' } : {},
        );
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  beforeEach(() => {
    received.length = 0;
  });

  const sender = (allowedNetworks: string[]) =>
    new WebhookSender({ webhooks: { allowedNetworks, timeoutMs: 2000 } } as unknown as AppConfig);

  it('POSTs the body with its headers to an allowed destination and answers its status', async () => {
    const body = JSON.stringify({ text: 'żółw 🔒' });
    await expect(
      sender(['127.0.0.0/8']).post(`http://127.0.0.1:${port}/hook`, { 'X-Test': 'yes' }, body),
    ).resolves.toEqual({ status: 204 });
    expect(received).toEqual([
      {
        method: 'POST',
        body,
        headers: expect.objectContaining({
          'x-test': 'yes',
          'content-length': String(Buffer.byteLength(body)),
        }),
      },
    ]);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    await expect(
      sender(['127.0.0.0/8']).post(`http://127.0.0.1:${port}/redirect`, {}, '{}'),
    ).resolves.toEqual({
      status: 302,
    });
    expect(received).toHaveLength(1);
  });

  it('refuses a loopback address, written or resolved from a name, before connecting', async () => {
    for (const url of [
      `http://127.0.0.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      const attempt = sender([]).post(url, {}, '{}');
      await expect(attempt).rejects.toBeInstanceOf(WebhookDestinationRefused);
      await expect(attempt).rejects.toThrow(
        /loopback address, which webhooks may not reach unless WEBHOOK_ALLOWED_NETWORKS/,
      );
    }
    expect(received).toEqual([]);
  });

  it('refuses a name resolving into a network the allowance does not cover', async () => {
    await expect(sender(['10.0.0.0/8']).post(`http://localhost:${port}/hook`, {}, '{}')).rejects.toThrow(
      /^localhost resolves to /,
    );
    expect(received).toEqual([]);
  });
});
