import { CliUsageError } from '@driftwatch/cli/cli-error';

import { pushUrl } from './push';

const SCOPE = '0b7e4c1e-8f3a-4d2b-9c6e-1a2b3c4d5e6f';

describe('collect --push', () => {
  it('takes the API base URL with --scope, or the scope config URL itself', () => {
    expect(pushUrl('http://driftwatch:3000', SCOPE).href).toBe(
      `http://driftwatch:3000/api/v1/scopes/${SCOPE}/config`,
    );
    expect(pushUrl('https://dw.example/base/', SCOPE).href).toBe(
      `https://dw.example/base/api/v1/scopes/${SCOPE}/config`,
    );
    const full = `https://dw.example/api/v1/scopes/${SCOPE}/config`;
    expect(pushUrl(full, undefined).href).toBe(full);
  });

  it('refuses a URL it cannot push to, a missing or doubled scope', () => {
    for (const [url, scope] of [
      ['not a url', SCOPE],
      ['ftp://dw.example', SCOPE],
      ['http://dw.example', undefined],
      ['http://dw.example', 'not-a-uuid'],
      [`http://dw.example/api/v1/scopes/${SCOPE}/config`, SCOPE],
    ] as const) {
      expect(() => pushUrl(url, scope)).toThrow(CliUsageError);
    }
  });
});
