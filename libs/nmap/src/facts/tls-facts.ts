import type { CipherGrade, ScriptResult, TlsFacts } from '@driftwatch/core';

import { elem, keyedElems, script, scriptError, type ScriptNode, table } from './script-table';

/** ssl-enum-ciphers grades, best first. */
export const CIPHER_GRADES: readonly CipherGrade[] = ['A', 'B', 'C', 'D', 'E', 'F'];

const VERSION_ORDER = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function grade(value: string | undefined): CipherGrade | undefined {
  return CIPHER_GRADES.find((g) => g === value);
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** TLS facts of one port from ssl-enum-ciphers and ssl-cert, or undefined when neither ran. */
export function tlsFacts(scripts: readonly ScriptResult[]): TlsFacts | undefined {
  const ciphersScript = script(scripts, 'ssl-enum-ciphers');
  const certScript = script(scripts, 'ssl-cert');
  if (!ciphersScript && !certScript) return undefined;
  const facts: TlsFacts = { versions: [], ciphers: [], errors: [] };

  for (const failed of [scriptError(ciphersScript), scriptError(certScript)])
    if (failed) facts.errors.push(failed);

  if (ciphersScript) {
    for (const protocol of ciphersScript.tables) {
      if (!protocol.key) continue;
      facts.versions.push(protocol.key);
      for (const c of table(protocol, 'ciphers')?.tables ?? []) {
        const name = elem(c, 'name');
        if (name)
          facts.ciphers.push({
            protocol: protocol.key,
            name,
            kex: elem(c, 'kex_info'),
            grade: grade(elem(c, 'strength')),
          });
      }
    }
    facts.versions.sort((a, b) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b));
    facts.leastGrade = grade(elem(ciphersScript, 'least strength'));
  }

  if (certScript && !scriptError(certScript)) {
    const subject = keyedElems(table(certScript, 'subject'));
    const issuer = keyedElems(table(certScript, 'issuer'));
    const pubkey = table(certScript, 'pubkey');
    const validity = table(certScript, 'validity');
    facts.certificate = {
      subject,
      issuer,
      keyType: elem(pubkey, 'type'),
      keyBits: integer(elem(pubkey, 'bits')),
      signatureAlgorithm: elem(certScript, 'sig_algo'),
      notBefore: elem(validity, 'notBefore'),
      notAfter: elem(validity, 'notAfter'),
      selfSigned:
        Object.keys(subject).length > 0 && JSON.stringify(sorted(subject)) === JSON.stringify(sorted(issuer)),
      sha256: elem(certScript, 'sha256'),
      ...subjectAltNames(table(certScript, 'extensions')),
    };
  }
  return facts;
}

/**
 * The names of ssl-cert's "X509v3 Subject Alternative Name" extension, which it prints as OpenSSL
 * does: "DNS:shop.example, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:1". Clients match the
 * host against these, not the common name, so an internal address here is disclosed as surely.
 */
function subjectAltNames(extensions: ScriptNode | undefined): {
  dnsNames?: string[];
  ipAddresses?: string[];
} {
  const san = extensions?.tables.find((t) => elem(t, 'name') === 'X509v3 Subject Alternative Name');
  const value = elem(san, 'value');
  if (value === undefined) return {};
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of value.split(',')) {
    const trimmed = entry.trim();
    if (trimmed.startsWith('DNS:')) dnsNames.push(trimmed.slice(4));
    else if (trimmed.startsWith('IP Address:')) ipAddresses.push(trimmed.slice(11).toLowerCase());
  }
  return { dnsNames, ipAddresses };
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
