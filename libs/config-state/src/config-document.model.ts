/**
 * Configuration state: documents collected on an asset (a firewall ruleset, `sshd -T` output, a
 * password policy...) parsed into typed facts that policy rules read, diffed semantically against
 * the asset's previous document of the same kind. Pure data, no I/O.
 */

/** Every kind of document Driftwatch parses. */
export const CONFIG_KINDS = [
  'iptables-save',
  'nft-ruleset',
  'sshd-config',
  'login-defs',
  'pam-pwquality',
  'chrony',
  'ntp',
  'auditd',
  'rsyslog',
  'pan-scan',
  'json',
] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

/** Documents may say which configuration they show: the one in force, or the one saved for boot. */
export const CONFIG_TAGS = ['running', 'startup'] as const;
export type ConfigTag = (typeof CONFIG_TAGS)[number];

/** Where in a document a parser refused it: 1-based line, and what is wrong there. */
export interface ConfigProblem {
  line?: number;
  /** JSON pointer into the document, for JSON kinds. */
  pointer?: string;
  reason: string;
}

/**
 * A semantic change between two documents of one kind on one asset: a firewall rule added,
 * removed or changed, a setting changed from one value to another.
 */
export interface ConfigChange {
  type:
    | 'rule-added'
    | 'rule-removed'
    | 'rule-changed'
    | 'policy-changed'
    | 'chain-added'
    | 'chain-removed'
    | 'setting-added'
    | 'setting-removed'
    | 'setting-changed';
  /** What changed, e.g. "filter/INPUT" for a rule, "PasswordAuthentication" for a setting. */
  path: string;
  from?: unknown;
  to?: unknown;
  /** One readable line: `rule added to filter/INPUT: -p tcp --dport 23 -j ACCEPT`. */
  description: string;
}
