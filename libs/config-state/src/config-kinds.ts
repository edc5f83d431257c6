import Ajv, { type ValidateFunction } from 'ajv';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import type { ConfigKind } from './config-document.model';
import type { ConfigKindHandler } from './config-kind-handler';
import type { ConfigProblem } from './config-document.model';
import { ConfigParseError } from './config-parse-error';
import { iptablesSaveHandler, nftRulesetHandler } from './firewall';
import { panScanHandler } from './pan';
import {
  auditdHandler,
  chronyHandler,
  loginDefsHandler,
  ntpHandler,
  pamPwqualityHandler,
  rsyslogHandler,
  sshdConfigHandler,
} from './settings';

type AnyHandler = ConfigKindHandler<object>;

/** Every kind but `json`, whose handler depends on the schema a document names. */
const BUILT_IN: Readonly<Record<Exclude<ConfigKind, 'json'>, AnyHandler>> = {
  'iptables-save': iptablesSaveHandler,
  'nft-ruleset': nftRulesetHandler,
  'sshd-config': sshdConfigHandler,
  'login-defs': loginDefsHandler,
  'pam-pwquality': pamPwqualityHandler,
  chrony: chronyHandler,
  ntp: ntpHandler,
  auditd: auditdHandler,
  rsyslog: rsyslogHandler,
  'pan-scan': panScanHandler,
};

export function builtInHandler(kind: Exclude<ConfigKind, 'json'>): AnyHandler {
  return BUILT_IN[kind];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<AnyHandler, ValidateFunction>();

/**
 * Parses a document with its kind's handler and checks the facts against the kind's schema, so
 * that nothing a parser could get wrong is ever stored. A parser's refusal is the client's
 * ConfigParseError (400); facts that miss their own schema are Driftwatch's bug.
 */
export function parseDocument(handler: AnyHandler, content: string): Record<string, unknown> {
  const facts = handler.parse(content) as Record<string, unknown>;
  const unstorable = unstorableText(facts);
  if (unstorable) throw new ConfigParseError(handler.kind, [unstorable]);
  let validate = validators.get(handler);
  if (!validate) {
    validate = ajv.compile(handler.factsSchema);
    validators.set(handler, validate);
  }
  if (!validate(facts)) {
    throw new DriftwatchError(
      ErrorCode.ConfigInvalid,
      `the ${handler.kind} parser produced facts outside its schema: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return facts;
}

/**
 * The first string or key PostgreSQL cannot store, by JSON pointer: a NUL (U+0000) or a lone
 * UTF-16 surrogate. JSON content can spell both as escapes ("\u0000", "\ud800") that the API's
 * check of raw input cannot see; they failed in the database as a 500. Iterative: any depth.
 */
function unstorableText(root: unknown): ConfigProblem | undefined {
  const reasonOf = (text: string): string | undefined =>
    text.includes('\u0000')
      ? 'holds a NUL character (\\u0000), which cannot be stored'
      : /\p{Cs}/u.test(text)
        ? 'holds a lone UTF-16 surrogate: not well-formed Unicode'
        : undefined;
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, pointer] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      const reason = reasonOf(value);
      if (reason) return { pointer, reason };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${pointer}/${i}`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const reason = reasonOf(key);
        if (reason) return { pointer, reason: `has a key that ${reason}` };
        stack.push([item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
      }
    }
  }
  return undefined;
}
