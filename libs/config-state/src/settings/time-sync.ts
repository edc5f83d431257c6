import type { ConfigChange, ConfigKind } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import {
  appendSetting,
  documentLines,
  ProblemList,
  quote,
  record,
  requireContent,
  splitWords,
} from './document-lines';
import { diffSettings } from './settings-diff';

export const TIME_SOURCE_TYPES = ['server', 'pool', 'peer', 'refclock'] as const;
export type TimeSourceType = (typeof TIME_SOURCE_TYPES)[number];

/**
 * A time source. `options` are the words after the address, an option and its value kept
 * together (`minpoll 4`), in the document's order. For a chrony refclock the address is the
 * driver and its parameter (`PHC /dev/ptp0`); for ntpd, `server 127.127.t.u` (its refclock
 * pseudo-address) and ntpsec's `refclock DRIVER` are refclocks too.
 */
export interface TimeSource {
  type: TimeSourceType;
  address: string;
  options: string[];
}

/**
 * One shape for chrony and ntpd, so a single time-sync rule reads both. `settings` holds every
 * other directive, lowercased (both daemons read directive names case-insensitively), each with
 * one entry per line: the arguments joined by one space, '' for a directive without arguments
 * (`rtcsync`).
 */
export interface TimeSyncFacts {
  daemon: 'chrony' | 'ntp';
  sources: TimeSource[];
  settings: Record<string, string[]>;
}
export type ChronyFacts = TimeSyncFacts & { daemon: 'chrony' };
export type NtpFacts = TimeSyncFacts & { daemon: 'ntp' };

interface Dialect {
  kind: ConfigKind;
  /** Characters that start a comment line. */
  comment: RegExp;
  /** Source options followed by a value. */
  valueOptions: Set<string>;
  refclockValueOptions: Set<string>;
  /** Options whose value must be a whole number. */
  integerOptions: Set<string>;
  /** Directives that are meaningless without an argument. */
  needArgument: Set<string>;
  /** Directives that take no argument. */
  noArgument: Set<string>;
}

const CHRONY: Dialect = {
  kind: 'chrony',
  comment: /^[#%;!]/,
  valueOptions: new Set([
    'minpoll',
    'maxpoll',
    'key',
    'maxdelay',
    'maxdelayratio',
    'maxdelaydevratio',
    'maxdelayquant',
    'mindelay',
    'asymmetry',
    'offset',
    'minsamples',
    'maxsamples',
    'filter',
    'port',
    'ntsport',
    'polltarget',
    'presend',
    'minstratum',
    'version',
    'maxsources',
    'extfield',
    'certset',
  ]),
  refclockValueOptions: new Set([
    'poll',
    'dpoll',
    'refid',
    'lock',
    'rate',
    'maxlockage',
    'filter',
    'offset',
    'delay',
    'precision',
    'maxdispersion',
    'stratum',
    'width',
    'minsamples',
    'maxsamples',
  ]),
  integerOptions: new Set([
    'minpoll',
    'maxpoll',
    'key',
    'port',
    'ntsport',
    'polltarget',
    'presend',
    'minstratum',
    'version',
    'maxsources',
    'poll',
    'dpoll',
    'stratum',
  ]),
  needArgument: new Set([
    'driftfile',
    'include',
    'confdir',
    'sourcedir',
    'keyfile',
    'logdir',
    'pidfile',
    'dumpdir',
    'ntsdumpdir',
    'leapsectz',
    'leapseclist',
    'user',
    'bindaddress',
    'bindcmdaddress',
    'port',
    'cmdport',
    'maxupdateskew',
    'maxdistance',
    'minsources',
    'rtcfile',
    'hwtimestamp',
    'makestep',
    'ntsservercert',
    'ntsserverkey',
    'ntstrustedcerts',
    'log',
    'maxdrift',
    'maxslewrate',
  ]),
  noArgument: new Set(['rtcsync', 'rtconutc', 'lock_all', 'manual', 'noclientlog', 'dumponexit']),
};

const NTP: Dialect = {
  kind: 'ntp',
  comment: /^#/,
  valueOptions: new Set(['minpoll', 'maxpoll', 'key', 'version', 'ttl', 'mode', 'maxclock']),
  refclockValueOptions: new Set([
    'unit',
    'refid',
    'time1',
    'time2',
    'stratum',
    'flag1',
    'flag2',
    'flag3',
    'flag4',
    'minpoll',
    'maxpoll',
    'mode',
    'path',
    'ppspath',
    'baud',
    'subtype',
    'holdover',
  ]),
  integerOptions: new Set(['minpoll', 'maxpoll', 'key', 'version', 'ttl', 'mode', 'unit', 'stratum']),
  needArgument: new Set([
    'driftfile',
    'restrict',
    'includefile',
    'keys',
    'trustedkey',
    'statsdir',
    'logfile',
    'leapfile',
    'filegen',
    'statistics',
    'tinker',
    'tos',
    'fudge',
    'broadcast',
    'discard',
    'requestkey',
    'controlkey',
    'logconfig',
    'interface',
    'nic',
    'manycastserver',
    'phone',
  ]),
  noArgument: new Set(['broadcastclient', 'disable', 'enable']),
};

function parseTimeSync(dialect: Dialect, daemon: 'chrony' | 'ntp', content: string): TimeSyncFacts {
  const problems = new ProblemList(dialect.kind);
  const sources: TimeSource[] = [];
  const settings = record<string[]>();

  for (const { number, text } of documentLines(dialect.kind, content)) {
    const line = text.trim();
    if (line === '' || dialect.comment.test(line)) continue;
    const words = splitWords(line, true);
    if (!words.ok) {
      problems.add(number, words.reason);
      continue;
    }
    const [word, ...args] = words.tokens;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) {
      problems.add(number, `not a directive line: ${quote(line)}`);
      continue;
    }
    const directive = word.toLowerCase();
    if (directive === 'server' || directive === 'pool' || directive === 'peer' || directive === 'refclock') {
      const source = parseSource(dialect, directive, args);
      if (typeof source === 'string') problems.add(number, `${word}: ${source}`);
      else sources.push(source);
      continue;
    }
    if (dialect.needArgument.has(directive) && args.length === 0) {
      problems.add(number, `${word} needs an argument`);
      continue;
    }
    if (dialect.noArgument.has(directive) && args.length > 0 && daemon === 'chrony') {
      problems.add(number, `${word} takes no argument, found ${quote(args.join(' '))}`);
      continue;
    }
    if (daemon === 'chrony' && directive === 'makestep' && !/^\d+(\.\d+)? -?\d+$/.test(args.join(' '))) {
      problems.add(
        number,
        `makestep needs a threshold in seconds and a limit of updates (makestep 1.0 3), not ${quote(args.join(' '))}`,
      );
      continue;
    }
    appendSetting(settings, directive, args.join(' '));
  }
  problems.throwIfAny();
  requireContent(dialect.kind, sources.length > 0 || Object.keys(settings).length > 0);
  return { daemon, sources, settings };
}

function parseSource(dialect: Dialect, directive: TimeSourceType, args: string[]): TimeSource | string {
  const isRefclockDirective = directive === 'refclock';
  const leading: string[] = [];
  let i = 0;
  // ntpd allows -4/-6 before the address.
  while (dialect.kind === 'ntp' && i < args.length && /^-[46]$/.test(args[i])) leading.push(args[i++]);
  if (i >= args.length) return 'needs an address';
  let address = args[i++];
  if (!isRefclockDirective && !/^[A-Za-z0-9._:%[\]-]+$/.test(address)) {
    return `${quote(address)} is not a host name or address`;
  }
  let type: TimeSourceType = directive;
  if (isRefclockDirective && dialect.kind === 'chrony') {
    if (i >= args.length) return 'needs a driver and its parameter (refclock PHC /dev/ptp0)';
    address = `${address} ${args[i++]}`;
  }
  if (dialect.kind === 'ntp' && /^127\.127\.\d{1,3}\.\d{1,3}$/.test(address)) type = 'refclock';
  const valueOptions =
    type === 'refclock' && (isRefclockDirective || dialect.kind === 'ntp')
      ? new Set([...dialect.valueOptions, ...dialect.refclockValueOptions])
      : dialect.valueOptions;

  const options = [...leading];
  while (i < args.length) {
    const option = args[i++];
    if (!valueOptions.has(option.toLowerCase())) {
      options.push(option);
      continue;
    }
    if (i >= args.length) return `option ${option} needs a value`;
    const value = args[i++];
    if (dialect.integerOptions.has(option.toLowerCase()) && !/^-?\d{1,9}$/.test(value)) {
      return `option ${option} needs a whole number, not ${quote(value)}`;
    }
    options.push(`${option} ${value}`);
  }
  return { type, address, options };
}

export function parseChrony(content: string): ChronyFacts {
  return parseTimeSync(CHRONY, 'chrony', content) as ChronyFacts;
}

export function parseNtp(content: string): NtpFacts {
  return parseTimeSync(NTP, 'ntp', content) as NtpFacts;
}

function timeSyncSchema(daemon: 'chrony' | 'ntp'): Readonly<Record<string, unknown>> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['daemon', 'sources', 'settings'],
    properties: {
      daemon: { const: daemon },
      sources: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'address', 'options'],
          properties: {
            type: { enum: [...TIME_SOURCE_TYPES] },
            address: { type: 'string', minLength: 1 },
            options: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      settings: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    },
  };
}
export const chronyFactsSchema = timeSyncSchema('chrony');
export const ntpFactsSchema = timeSyncSchema('ntp');

/**
 * Directive drift plus source drift: each source keyed `<type> <address>` with its options as
 * the value, so an added pool, a removed server or a changed `minpoll` each show once.
 */
export function diffTimeSync(before: TimeSyncFacts, after: TimeSyncFacts): ConfigChange[] {
  const flatten = (facts: TimeSyncFacts): Record<string, unknown> => {
    const flat: Record<string, unknown> = record();
    Object.assign(flat, facts.settings);
    for (const source of facts.sources) flat[`${source.type} ${source.address}`] = source.options.join(' ');
    return flat;
  };
  return diffSettings(flatten(before), flatten(after));
}

export const chronyHandler: ConfigKindHandler<ChronyFacts> = {
  kind: 'chrony',
  description:
    'The content of /etc/chrony/chrony.conf (or /etc/chrony.conf), with any files it includes appended.',
  parse: parseChrony,
  factsSchema: chronyFactsSchema,
  diff: diffTimeSync,
};

export const ntpHandler: ConfigKindHandler<NtpFacts> = {
  kind: 'ntp',
  description: 'The content of /etc/ntp.conf or /etc/ntpsec/ntp.conf (ntpd or ntpsec).',
  parse: parseNtp,
  factsSchema: ntpFactsSchema,
  diff: diffTimeSync,
};
