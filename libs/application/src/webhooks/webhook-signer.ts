import { createHmac, timingSafeEqual } from 'node:crypto';

import { Injectable } from '@nestjs/common';

/**
 * Signs webhook bodies: `sha256=<hex HMAC-SHA256 of "<unix seconds>.<raw body>">` with the
 * webhook's secret. The timestamp is inside the MAC, so a captured request cannot be replayed
 * later with a fresh timestamp. While a rotated secret overlaps the new one, the header lists
 * both signatures, the current secret's first, separated by a comma. Crypto is I/O: behind this
 * class, swappable in tests.
 */
@Injectable()
export class WebhookSigner {
  sign(secret: string, timestamp: number, body: string): string {
    return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  }

  /** The header value for every secret that signs now, the current one first. */
  signatures(secrets: readonly string[], timestamp: number, body: string): string {
    return secrets.map((secret) => this.sign(secret, timestamp, body)).join(',');
  }

  /** What a receiver does: recompute and compare, in constant time, with each signature listed. */
  verify(secret: string, timestamp: number, body: string, header: string): boolean {
    const expected = Buffer.from(this.sign(secret, timestamp, body));
    return header.split(',').some((signature) => {
      const given = Buffer.from(signature.trim());
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }
}
