import { Injectable } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';

/**
 * The HTTP client of webhooks (I/O behind an injectable class): one POST with Node's fetch, no
 * redirects followed (a 3xx is an answer like any other non-2xx), aborted after WEBHOOK_TIMEOUT_MS.
 * Throws on a network error or timeout; the response body is discarded.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: AppConfig) {}

  async post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number }> {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  }
}
