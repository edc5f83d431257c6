import type { NextFunction, Request, Response } from 'express';

import type { ApiKeyService } from '@driftwatch/application';

import { problemFor, sendProblem } from '../errors/problem-details';

import { presentedKey } from './bearer-token';

/**
 * /docs is not public either. Browsers cannot send a bearer header, so the key is also taken
 * from HTTP Basic's password field (any user name).
 */
export function docsAuth(apiKeys: ApiKeyService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const key = presentedKey(req.headers.authorization, true);
    const refuse = () => {
      res.setHeader('WWW-Authenticate', 'Basic realm="Driftwatch API docs: password = API key"');
      sendProblem(res, problemFor(req, { status: 401, detail: 'An API key is required' }));
    };
    if (!key) return refuse();
    apiKeys.authenticate(key).then(
      (principal) => (principal ? next() : refuse()),
      (error: unknown) => next(error),
    );
  };
}
