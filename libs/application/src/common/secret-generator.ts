import { randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';

@Injectable()
export class SecretGenerator {
  /** URL-safe random text with `bytes` bytes of entropy. */
  token(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  /** Lower-case hex with `bytes` bytes of entropy. */
  hex(bytes: number): string {
    return randomBytes(bytes).toString('hex');
  }
}
