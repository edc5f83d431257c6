import { createHmac, timingSafeEqual } from 'node:crypto';

import { Injectable } from '@nestjs/common';

/**
 * Signs webhook bodies: `sha256=<hex HMAC-SHA256 of "<unix seconds>.<raw body>">` with the
 * webhook's secret. The timestamp is inside the MAC, so a captured request cannot be replayed
 * later with a fresh timestamp. Crypto is I/O: behind this class, swappable in tests.
 */
@Injectable()
export class WebhookSigner {
  sign(secret: string, timestamp: number, body: string): string {
    return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  }

  /** What a receiver does: recompute and compare in constant time. */
  verify(secret: string, timestamp: number, body: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(secret, timestamp, body));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
