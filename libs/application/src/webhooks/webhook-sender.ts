import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import {
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

import { Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';

import { AppConfig } from '@driftwatch/config';
import type { Network } from '@driftwatch/core';

import { destinationProblem, parseNetworks } from './webhook-destination';

/** A webhook's host is, or resolves to, an address webhooks may not reach: retrying cannot help. */
export class WebhookDestinationRefused extends Error {
  override readonly name = 'WebhookDestinationRefused';
}

/**
 * The HTTP client of webhooks (I/O behind an injectable class): one POST, no redirects followed
 * (a 3xx is an answer like any other non-2xx), aborted after WEBHOOK_TIMEOUT_MS. The connection
 * goes only to addresses destinationProblem accepts, checked on the addresses the name resolves
 * to at connect time, so a DNS answer that changes after the URL was accepted (rebinding) cannot
 * point a webhook into a private network. Throws on a refused destination, a network error or a
 * timeout; the response body is discarded.
 */
@Injectable()
export class WebhookSender {
  private readonly allowedNetworks: Network[];

  constructor(private readonly config: AppConfig) {
    this.allowedNetworks = parseNetworks(config.webhooks.allowedNetworks);
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number }> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    // An address in the URL is connected to without a lookup: judge it here.
    if (ipaddr.isValid(host)) {
      const problem = destinationProblem(host, this.allowedNetworks);
      if (problem) throw new WebhookDestinationRefused(problem);
    }
    const payload = Buffer.from(body, 'utf8');
    const options: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(payload.length) },
      agent: false,
      lookup: this.vettedLookup,
      signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req: ClientRequest = send(target, options, (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        response.destroy();
        resolve({ status });
      });
      req.once('error', reject);
      req.end(payload);
    });
  }

  /** dns.lookup that fails when any address of the answer is one webhooks may not reach. */
  private readonly vettedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const problem = destinationProblem(address, this.allowedNetworks);
        if (problem) {
          callback(
            new WebhookDestinationRefused(`${hostname} resolves to a refused address: ${problem}`),
            '',
            0,
          );
          return;
        }
      }
      const [first] = addresses;
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    });
  };
}
