import Ajv, { type ValidateFunction } from 'ajv';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import type { ConfigKind } from './config-document.model';
import type { ConfigKindHandler } from './config-kind-handler';
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
