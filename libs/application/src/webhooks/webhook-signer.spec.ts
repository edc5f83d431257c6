import { createHmac } from 'node:crypto';

import { WebhookSigner } from './webhook-signer';

describe('webhook signer', () => {
  const signer = new WebhookSigner();

  it('signs "<timestamp>.<body>" with HMAC-SHA256 of the secret, as sha256=<hex>', () => {
    const body = '{"id":"e1","type":"ping"}';
    const expected = createHmac('sha256', 'whsec_test').update(`1790000000.${body}`).digest('hex');
    expect(signer.sign('whsec_test', 1_790_000_000, body)).toBe(`sha256=${expected}`);
  });

  it('rejects a signature replayed with another timestamp, body or secret', () => {
    const body = '{"a":1}';
    const signature = signer.sign('s1', 100, body);
    expect(signer.verify('s1', 100, body, signature)).toBe(true);
    expect(signer.verify('s1', 101, body, signature)).toBe(false);
    expect(signer.verify('s1', 100, '{"a":2}', signature)).toBe(false);
    expect(signer.verify('s2', 100, body, signature)).toBe(false);
    expect(signer.verify('s1', 100, body, 'sha256=00')).toBe(false);
  });

  it('lists one signature per signing secret, the current first, and a receiver accepts any of them', () => {
    const body = '{"a":1}';
    const header = signer.signatures(['new', 'old'], 100, body);
    expect(header).toBe(`${signer.sign('new', 100, body)},${signer.sign('old', 100, body)}`);
    expect(signer.verify('new', 100, body, header)).toBe(true);
    expect(signer.verify('old', 100, body, header)).toBe(true);
    expect(signer.verify('other', 100, body, header)).toBe(false);
    expect(signer.verify('new', 101, body, header)).toBe(false);
    expect(signer.signatures(['only'], 100, body)).toBe(signer.sign('only', 100, body));
  });
});
