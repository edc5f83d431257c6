import { lookup } from 'node:dns/promises';

import { Injectable } from '@nestjs/common';

/** DNS is I/O: hostnames in scopes are resolved here, then every address is checked against the allowlist. */
@Injectable()
export class HostResolver {
  async resolve(hostname: string): Promise<string[]> {
    const results = await lookup(hostname, { all: true, verbatim: true });
    return [...new Set(results.map((r) => r.address))];
  }
}
