'use strict';
// Deterministic generator of a snapshot as the policy engine sees it (libs/core's HostObservation
// objects, as the nmap adapter would have parsed them), for bench/policy. Hosts in 10.32.0.0/16,
// 5-8 open ports each (ssh, https, http, databases, Windows services, some telnet, ftp, tftp,
// snmp, r-services), ~1% of hosts down, with the NSE facts every rule kind reads: SSH algorithms
// and auth methods (some weak, some with password auth), TLS versions, ciphers and certificates
// (some TLS 1.0, weak grades, expiring, expired or self-signed), HTTP headers. Also: the ~1% of
// hosts changed since an earlier snapshot, as they were and are (to diff for the changes), and a
// policy context (zones, roles, inventory, flows, approved changes, scans) for relational rules.
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
require('./load-typescript').register();
const { uniformHost, uniformPort } = require('@driftwatch/core');

/** Small fast PRNG (mulberry32): the same seed gives the same snapshot on every machine. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const FIRST_ADDRESS = (10 << 24) | (32 << 16); // 10.32.0.0
/** The scope's approved ports (any protocol); everything else open is a 1.2.5 finding. */
const APPROVED_PORTS = [
  22, 25, 53, 80, 88, 111, 123, 135, 139, 389, 443, 445, 514, 636, 993, 1433, 2049, 3306, 3389, 5432, 5666,
  8080, 8443, 9100, 9200, 10050,
];

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const hex = (rng, length) => {
  let text = '';
  while (text.length < length)
    text += Math.floor(rng() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return text.slice(0, length);
};
const ipv4 = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const script = (id, output) => ({ id, output, elems: [], tables: [] });

// --- SSH -----------------------------------------------------------------------------------------

const SSH_PRODUCTS = [
  ['OpenSSH', '8.9p1 Ubuntu 3ubuntu0.4', 'Ubuntu Linux; protocol 2.0'],
  ['OpenSSH', '9.2p1 Debian 2+deb12u1', 'protocol 2.0'],
  ['OpenSSH', '7.4', 'protocol 2.0'],
  ['OpenSSH', '9.6p1 Ubuntu 3ubuntu13', 'Ubuntu Linux; protocol 2.0'],
  ['Dropbear sshd', '2020.81', 'protocol 2.0'],
];
// Rarely: a server that still accepts SSH protocol 1.
const SSH_LEGACY = ['OpenSSH', '5.3', 'protocol 1.99'];

function sshFacts(rng) {
  const kex = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256'];
  kex.push('diffie-hellman-group16-sha512', 'diffie-hellman-group14-sha256');
  if (rng() < 0.15) kex.push('diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1');
  const hostKeys = ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'];
  if (rng() < 0.1) hostKeys.push('ssh-rsa', 'ssh-dss');
  const ciphers = ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'];
  ciphers.push('aes128-gcm@openssh.com', 'aes256-gcm@openssh.com');
  if (rng() < 0.12) ciphers.push('aes128-cbc', '3des-cbc');
  if (rng() < 0.03) ciphers.push('arcfour256', 'arcfour');
  const macs = ['umac-64-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'];
  macs.push('hmac-sha2-256', 'hmac-sha2-512');
  if (rng() < 0.1) macs.push('hmac-sha1', 'hmac-md5');
  const r = rng();
  const authMethods =
    r < 0.65
      ? ['publickey']
      : r < 0.85
        ? ['publickey', 'password']
        : r < 0.92
          ? ['publickey', 'keyboard-interactive']
          : r < 0.96
            ? ['publickey', 'gssapi-with-mic']
            : undefined; // ssh-auth-methods did not run or gave nothing
  const facts = {
    kexAlgorithms: kex,
    hostKeyAlgorithms: hostKeys,
    encryptionAlgorithms: ciphers,
    macAlgorithms: macs,
    compressionAlgorithms: ['none', 'zlib@openssh.com'],
    ...(authMethods ? { authMethods } : {}),
    errors: [],
  };
  const list = (title, values) => `\n  ${title}: (${values.length})\n      ${values.join('\n      ')}`;
  const scripts = [
    script(
      'ssh2-enum-algos',
      list('kex_algorithms', kex) +
        list('server_host_key_algorithms', hostKeys) +
        list('encryption_algorithms', ciphers) +
        list('mac_algorithms', macs) +
        list('compression_algorithms', facts.compressionAlgorithms),
    ),
  ];
  if (authMethods) {
    scripts.push(
      script('ssh-auth-methods', `\n  Supported authentication methods: \n    ${authMethods.join('\n    ')}`),
    );
  }
  return { facts, scripts };
}

// --- TLS -----------------------------------------------------------------------------------------

const STRONG_CIPHERS = [
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ecdh_x25519', 'A'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ecdh_x25519', 'A'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdh_x25519', 'A'],
];
const TLS13_CIPHERS = [
  ['TLS_AKE_WITH_AES_128_GCM_SHA256', 'ecdh_x25519', 'A'],
  ['TLS_AKE_WITH_AES_256_GCM_SHA384', 'ecdh_x25519', 'A'],
];
const LEGACY_CIPHERS = [
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'rsa 2048', 'A'],
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'rsa 2048', 'C'],
];
const BROKEN_CIPHER = ['TLS_RSA_WITH_RC4_128_SHA', 'rsa 2048', 'F'];

function tlsFacts(rng, now, commonName, legacyBias) {
  const r = rng() * (1 - legacyBias) + legacyBias * 0.8;
  const versions =
    r < 0.7
      ? ['TLSv1.2', 'TLSv1.3']
      : r < 0.8
        ? ['TLSv1.2']
        : r < 0.92
          ? ['TLSv1.0', 'TLSv1.1', 'TLSv1.2']
          : r < 0.97
            ? ['TLSv1.1', 'TLSv1.2']
            : ['SSLv3', 'TLSv1.0'];
  const broken = rng() < 0.04;
  const ciphers = [];
  for (const version of versions) {
    const rows =
      version === 'TLSv1.3' ? TLS13_CIPHERS : version === 'TLSv1.2' ? STRONG_CIPHERS : LEGACY_CIPHERS;
    for (const [name, kex, grade] of rows) ciphers.push({ protocol: version, name, kex, grade });
    if (broken && version !== 'TLSv1.3') {
      ciphers.push({
        protocol: version,
        name: BROKEN_CIPHER[0],
        kex: BROKEN_CIPHER[1],
        grade: BROKEN_CIPHER[2],
      });
    }
  }
  const leastGrade = ciphers.reduce((worst, c) => (c.grade > worst ? c.grade : worst), 'A');
  const e = rng();
  // 85% valid for months, 10% expiring within 30 days, 5% expired.
  const notAfter = now + (e < 0.85 ? 60 + rng() * 700 : e < 0.95 ? rng() * 30 : -rng() * 200) * DAY_MS;
  // Issued in the past (at most 397 days before it expires, or earlier); 0.5% not valid yet.
  const notBefore =
    rng() < 0.005 ? now + 2 * DAY_MS : Math.min(notAfter - 397 * DAY_MS, now - (1 + rng() * 60) * DAY_MS);
  const selfSigned = rng() < 0.08;
  const weakKey = rng() < 0.03;
  const issuer = selfSigned
    ? { commonName }
    : { commonName: 'Example Corp Issuing CA 2', organizationName: 'Example Corp', countryName: 'GB' };
  const certificate = {
    subject: { commonName, organizationName: 'Example Corp' },
    issuer,
    keyType: weakKey || rng() < 0.7 ? 'rsa' : 'ec',
    keyBits: weakKey ? 1024 : 2048,
    signatureAlgorithm: rng() < 0.02 ? 'sha1WithRSAEncryption' : 'sha256WithRSAEncryption',
    notBefore: new Date(notBefore).toISOString().slice(0, 19),
    notAfter: new Date(notAfter).toISOString().slice(0, 19),
    selfSigned,
    sha256: hex(rng, 64),
  };
  const facts = { versions, ciphers, leastGrade, certificate, errors: [] };
  const cipherLines = versions
    .map(
      (v) =>
        `\n  ${v}: \n    ciphers: \n${ciphers
          .filter((c) => c.protocol === v)
          .map((c) => `      ${c.name} (${c.kex}) - ${c.grade}`)
          .join('\n')}\n    compressors: \n      NULL\n    cipher preference: server`,
    )
    .join('');
  const scripts = [
    script('ssl-enum-ciphers', `${cipherLines}\n  least strength: ${leastGrade}`),
    script(
      'ssl-cert',
      `Subject: commonName=${commonName}/organizationName=Example Corp\nIssuer: commonName=${issuer.commonName}\n` +
        `Public Key type: ${certificate.keyType}\nPublic Key bits: ${certificate.keyBits}\n` +
        `Signature Algorithm: ${certificate.signatureAlgorithm}\nNot valid before: ${certificate.notBefore}\n` +
        `Not valid after:  ${certificate.notAfter}\nSHA-256: ${certificate.sha256}`,
    ),
  ];
  return { facts, scripts };
}

// --- HTTP ----------------------------------------------------------------------------------------

const WEB_PRODUCTS = [
  ['nginx', '1.18.0', '(Ubuntu)'],
  ['Apache httpd', '2.4.57', '(Debian)'],
  ['nginx', '1.24.0', undefined],
  ['Microsoft IIS httpd', '10.0', undefined],
];

function httpFacts(rng, product, tls) {
  const server =
    product[0] === 'Microsoft IIS httpd'
      ? `Microsoft-IIS/${product[1]}`
      : `${product[0].split(' ')[0]}/${product[1]}`;
  const headers = [
    { name: 'Server', value: server },
    { name: 'Date', value: 'Tue, 01 Dec 2026 00:00:00 GMT' },
    { name: 'Content-Type', value: 'text/html; charset=utf-8' },
    { name: 'Connection', value: 'close' },
  ];
  let poweredBy;
  if (rng() < 0.2) {
    poweredBy = pick(rng, ['PHP/7.4.33', 'PHP/8.2.7', 'ASP.NET', 'Express']);
    headers.push({ name: 'X-Powered-By', value: poweredBy });
  }
  if (!tls && rng() < 0.03) headers.push({ name: 'WWW-Authenticate', value: 'Basic realm="admin"' });
  let hsts;
  if (tls && rng() < 0.6) {
    const raw = rng() < 0.8 ? 'max-age=31536000; includeSubDomains' : 'max-age=300';
    headers.push({ name: 'Strict-Transport-Security', value: raw });
    hsts = {
      maxAgeSeconds: Number(/max-age=(\d+)/.exec(raw)[1]),
      includeSubDomains: raw.includes('includeSubDomains'),
      preload: false,
      valid: true,
      raw,
    };
  }
  const facts = {
    requestType: 'HEAD',
    headers,
    server,
    ...(poweredBy ? { poweredBy } : {}),
    ...(hsts ? { hsts } : {}),
    errors: [],
  };
  const output = `\n  ${headers.map((h) => `${h.name}: ${h.value}`).join('\n  ')}\n  \n  (Request type: HEAD)\n`;
  return { facts, scripts: [script('http-headers', output)] };
}

// --- ports ---------------------------------------------------------------------------------------

const service = (name, product, version, extraInfo, extra = {}) => ({
  name,
  ...(product ? { product } : {}),
  ...(version ? { version } : {}),
  ...(extraInfo ? { extraInfo } : {}),
  ...extra,
  method: 'probed',
  confidence: 10,
  cpe: [],
});

function sshPort(rng, protocol, port) {
  const [product, version, extraInfo] = rng() < 0.01 ? SSH_LEGACY : pick(rng, SSH_PRODUCTS);
  const { facts, scripts } = sshFacts(rng);
  return { protocol, port, service: service('ssh', product, version, extraInfo), scripts, ssh: facts };
}

function webPort(rng, ctx, protocol, port, { name = 'http', tls = false, legacyBias = 0 } = {}) {
  const product = pick(rng, WEB_PRODUCTS);
  const tunnel = tls && (name === 'http' || name === 'http-proxy') ? { tunnel: 'ssl' } : {};
  const s = service(name, product[0], product[1], product[2], tunnel);
  const web = httpFacts(rng, product, tls);
  if (!tls) return { protocol, port, service: s, scripts: web.scripts, http: web.facts };
  const secure = tlsFacts(rng, ctx.now, ctx.name, legacyBias);
  return {
    protocol,
    port,
    service: s,
    scripts: [...secure.scripts, ...web.scripts],
    tls: secure.facts,
    http: web.facts,
  };
}

function plainPort(protocol, port, name, product, version, extraInfo, extra) {
  return {
    protocol,
    port,
    service: name ? service(name, product, version, extraInfo, extra) : undefined,
    scripts: [],
  };
}

// [protocol, port, weight, make(rng, ctx)]: 5-8 of these are drawn per host, by weight.
const CATALOG = [
  ['tcp', 22, 90, (rng) => sshPort(rng, 'tcp', 22)],
  [
    'tcp',
    443,
    70,
    (rng, ctx) => webPort(rng, ctx, 'tcp', 443, { name: rng() < 0.7 ? 'http' : 'https', tls: true }),
  ],
  ['tcp', 80, 10, (rng, ctx) => webPort(rng, ctx, 'tcp', 80)],
  ['tcp', 8443, 12, (rng, ctx) => webPort(rng, ctx, 'tcp', 8443, { name: 'https-alt', tls: true })],
  [
    'tcp',
    8080,
    6,
    (rng, ctx) =>
      webPort(rng, ctx, 'tcp', 8080, { name: rng() < 0.8 ? 'http-proxy' : 'http', tls: rng() < 0.2 }),
  ],
  [
    'tcp',
    25,
    10,
    (rng, ctx) => {
      const port = plainPort('tcp', 25, 'smtp', 'Postfix smtpd', undefined, undefined);
      if (rng() < 0.6) {
        const secure = tlsFacts(rng, ctx.now, ctx.name, 0.2); // STARTTLS
        return { ...port, scripts: secure.scripts, tls: secure.facts };
      }
      return port;
    },
  ],
  ['tcp', 53, 10, () => plainPort('tcp', 53, 'domain', 'ISC BIND', '9.18.19', 'Debian Linux')],
  ['udp', 123, 20, () => plainPort('udp', 123, 'ntp', 'NTP', 'v4', undefined)],
  [
    'udp',
    161,
    2,
    (rng) =>
      plainPort(
        'udp',
        161,
        'snmp',
        rng() < 0.7 ? 'net-snmp' : 'Cisco SNMP service',
        undefined,
        'SNMPv1 server',
      ),
  ],
  [
    'tcp',
    23,
    1,
    (rng) => (rng() < 0.7 ? plainPort('tcp', 23, 'telnet', 'Linux telnetd') : plainPort('tcp', 23)),
  ],
  [
    'tcp',
    21,
    1.5,
    (rng) =>
      rng() < 0.85
        ? plainPort('tcp', 21, 'ftp', 'vsftpd', '3.0.3')
        : plainPort('tcp', 21, 'ftp', 'ProFTPD', '1.3.8', undefined, { tunnel: 'ssl' }),
  ],
  ['udp', 69, 0.5, (rng) => (rng() < 0.5 ? plainPort('udp', 69, 'tftp') : plainPort('udp', 69))],
  ['tcp', 3306, 10, () => plainPort('tcp', 3306, 'mysql', 'MySQL', '8.0.35')],
  ['tcp', 5432, 10, () => plainPort('tcp', 5432, 'postgresql', 'PostgreSQL DB', '15.4')],
  [
    'tcp',
    3389,
    10,
    (rng, ctx) => {
      const port = plainPort('tcp', 3389, 'ms-wbt-server', 'Microsoft Terminal Services');
      if (rng() < 0.8) {
        const secure = tlsFacts(rng, ctx.now, ctx.name, 0.5);
        return { ...port, scripts: secure.scripts, tls: secure.facts };
      }
      return port;
    },
  ],
  ['tcp', 111, 15, () => plainPort('tcp', 111, 'rpcbind', undefined, '2-4', 'RPC #100000')],
  ['tcp', 139, 10, () => plainPort('tcp', 139, 'netbios-ssn', 'Microsoft Windows netbios-ssn')],
  ['tcp', 445, 12, () => plainPort('tcp', 445, 'microsoft-ds', undefined)],
  [
    'tcp',
    993,
    5,
    (rng, ctx) => {
      const secure = tlsFacts(rng, ctx.now, ctx.name, 0.1);
      return {
        ...plainPort('tcp', 993, 'imaps', 'Dovecot imapd', undefined, undefined, { tunnel: 'ssl' }),
        scripts: secure.scripts,
        tls: secure.facts,
      };
    },
  ],
  ['tcp', 631, 1.5, () => plainPort('tcp', 631, 'ipp', 'CUPS', '2.4')],
  ['tcp', 2222, 1.5, (rng) => sshPort(rng, 'tcp', 2222)],
  ['tcp', 6379, 1.5, () => plainPort('tcp', 6379, 'redis', 'Redis key-value store', '7.0.12')],
  ['tcp', 110, 0.7, () => plainPort('tcp', 110, 'pop3', 'Dovecot pop3d')],
  ['tcp', 143, 0.7, () => plainPort('tcp', 143, 'imap', 'Dovecot imapd')],
  ['tcp', 9200, 2, (rng, ctx) => webPort(rng, ctx, 'tcp', 9200)],
  ['tcp', 1433, 4, () => plainPort('tcp', 1433, 'ms-sql-s', 'Microsoft SQL Server 2019', '15.00.2000.00')],
  ['tcp', 5900, 1.5, () => plainPort('tcp', 5900, 'vnc', 'VNC', undefined, 'protocol 3.8')],
  ['tcp', 135, 12, () => plainPort('tcp', 135, 'msrpc', 'Microsoft Windows RPC')],
  ['tcp', 88, 5, () => plainPort('tcp', 88, 'kerberos-sec', 'Microsoft Windows Kerberos')],
  ['tcp', 389, 6, () => plainPort('tcp', 389, 'ldap', 'Microsoft Windows Active Directory LDAP')],
  [
    'tcp',
    636,
    5,
    (rng, ctx) => {
      const secure = tlsFacts(rng, ctx.now, ctx.name, 0.3);
      const port = plainPort('tcp', 636, 'ldapssl', undefined, undefined, undefined, { tunnel: 'ssl' });
      return { ...port, scripts: secure.scripts, tls: secure.facts };
    },
  ],
  ['tcp', 2049, 8, () => plainPort('tcp', 2049, 'nfs_acl', undefined, '3', 'RPC #100227')],
  ['tcp', 5666, 10, () => plainPort('tcp', 5666, 'nrpe', 'Nagios NRPE')],
  ['tcp', 10050, 14, () => plainPort('tcp', 10050, 'zabbix-agent', 'Zabbix agent')],
  ['tcp', 9100, 14, () => plainPort('tcp', 9100, 'jetdirect')],
  ['udp', 53, 6, () => plainPort('udp', 53, 'domain', 'ISC BIND', '9.18.19')],
  ['udp', 514, 8, () => plainPort('udp', 514, 'syslog')],
  ['tcp', 512, 0.3, () => plainPort('tcp', 512, 'exec')],
  ['tcp', 513, 0.3, (rng) => (rng() < 0.5 ? plainPort('tcp', 513, 'login') : plainPort('tcp', 513))],
];
const END_OF_LIFE_OS = ['Microsoft Windows Server 2012 R2', 'CentOS Linux 7', 'Microsoft Windows 7 SP1'];
// Listed but not open: nmap shows them, no condition rule judges them.
const NOT_OPEN = [
  ['tcp', 1723, 'filtered', 'no-response'],
  ['udp', 137, 'open|filtered', 'no-response'],
  ['udp', 1900, 'open|filtered', 'no-response'],
  ['tcp', 5060, 'filtered', 'admin-prohibited'],
];

function drawPorts(rng, count) {
  const left = CATALOG.slice();
  const drawn = [];
  while (drawn.length < count) {
    const total = left.reduce((sum, entry) => sum + entry[2], 0);
    let r = rng() * total;
    let i = 0;
    while (r >= left[i][2]) r -= left[i++][2];
    drawn.push(left.splice(i, 1)[0]);
  }
  return drawn;
}

function makeHost(rng, index, now) {
  const address = ipv4(FIRST_ADDRESS + 1 + index);
  const name = `host-${index}.corp.example`;
  const addresses = [{ addr: address, type: 'ipv4' }];
  if (rng() < 0.3) addresses.push({ addr: `02:42:${hex(rng, 8).replace(/(..)(?!$)/g, '$1:')}`, type: 'mac' });
  const hostnames = rng() < 0.4 ? [{ name, type: 'PTR' }] : [];
  if (rng() < 0.01) {
    return uniformHost({
      status: 'down',
      statusReason: 'no-response',
      addresses,
      hostnames,
      ports: [],
      extraPorts: [],
      os: [],
      scripts: [],
    });
  }
  const ctx = { now, name };
  // In the one shape the nmap adapter hands observations on in (withPortFacts: uniformPort).
  const ports = drawPorts(rng, 5 + Math.floor(rng() * 4)).map(([, , , make]) => {
    const { protocol, port, service: s, scripts, tls, ssh, http } = make(rng, ctx);
    const state = 'open';
    const reason = protocol === 'udp' ? 'udp-response' : 'syn-ack';
    return uniformPort({ protocol, port, state, reason, service: s, scripts }, { tls, ssh, http });
  });
  const extra = Math.floor(rng() * 3);
  for (let i = 0; i < extra; i++) {
    const [protocol, port, state, reason] = NOT_OPEN[i];
    ports.push(uniformPort({ protocol, port, state, reason, scripts: [] }));
  }
  ports.sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
  const linux = ports.some((p) => p.ssh);
  return uniformHost({
    status: 'up',
    statusReason: 'echo-reply',
    addresses,
    hostnames,
    ports,
    extraPorts: [{ state: 'closed', count: 1000 - ports.length }],
    os: [
      {
        name:
          rng() < 0.04
            ? pick(rng, END_OF_LIFE_OS)
            : linux
              ? 'Linux 5.0 - 5.14'
              : 'Microsoft Windows Server 2019',
        accuracy: 90 + Math.floor(rng() * 10),
      },
    ],
    scripts: [],
  });
}

/**
 * The hosts that differ from the earlier snapshot (~1%: a port not yet open, an older version, not
 * yet up), as they were (`before`) and as they are (`after`); every other host is the same in
 * both snapshots, so diffing these two lists gives the changes between the whole snapshots.
 */
function changedHosts(rng, hosts) {
  const before = [];
  const after = [];
  for (const host of hosts) {
    const r = rng();
    if (host.status !== 'up' || r >= 0.01) continue;
    after.push(host);
    if (r < 0.002) continue; // newly up since
    if (r < 0.006) {
      before.push({ ...host, ports: host.ports.slice(1) });
    } else {
      const ports = host.ports.map((p, i) =>
        i === 0 && p.service ? { ...p, service: { ...p.service, version: '0.9' } } : p,
      );
      before.push({ ...host, ports });
    }
  }
  return { before, after };
}

/** A policy context for the whole pack: zones, roles, an inventory of most hosts, flows, approvals, scans. */
function policyContext(rng, hosts, nowMs) {
  const iso = (ms) => new Date(ms).toISOString();
  const inventory = [];
  for (const host of hosts) {
    if (rng() < 0.05) continue; // undeclared
    const address = host.addresses[0].addr;
    const web = host.ports.some((p) => p.port === 8080 || p.port === 9200);
    const db = host.ports.some((p) => p.port === 3306 || p.port === 5432 || p.port === 1433);
    inventory.push({
      address,
      name: `host-${inventory.length}`,
      ...(web ? { role: 'web' } : db ? { role: 'db' } : {}),
      owner: 'infrastructure',
      ...(db && address.startsWith('10.32.64.') ? { storesCardData: true } : {}),
      inScope: true,
      declaredAt: '2026-01-05T00:00:00Z',
      lastSeenAt: iso(nowMs - DAY_MS),
      lastScannedAt: iso(nowMs - DAY_MS),
    });
  }
  // Declared, inside the targets, not seen or scanned for months.
  for (let i = 0; i < 40; i++) {
    inventory.push({
      address: ipv4(FIRST_ADDRESS + (250 << 8) + 10 + i),
      name: `retired-${i}`,
      owner: 'infrastructure',
      inScope: true,
      declaredAt: '2025-06-01T00:00:00Z',
      lastSeenAt: iso(nowMs - 120 * DAY_MS),
      lastScannedAt: iso(nowMs - 120 * DAY_MS),
    });
  }
  return {
    zones: [
      { name: 'corp', networks: ['10.32.0.0/16'], classification: 'internal' },
      { name: 'cde', networks: ['10.32.64.0/22'], classification: 'cde', approvedPorts: ['tcp/1433'] },
      { name: 'dmz', networks: ['10.32.128.0/22'], classification: 'dmz', approvedPorts: [8080] },
    ],
    roles: [
      { name: 'web', approvedPorts: ['tcp/8080', 'tcp/9200'], approvedServices: ['http', 'http-proxy'] },
      { name: 'db', approvedPorts: ['tcp/3306', 'tcp/5432', 'tcp/1433'] },
    ],
    inventory,
    flows: [{ from: 'corp', to: 'cde', ports: ['tcp/22', 'tcp/443'], reference: 'CHG-1001' }],
    approvedChanges: [
      {
        reference: 'CHG-2040',
        targets: ['10.32.0.0/18'],
        validFrom: iso(nowMs - 7 * DAY_MS),
        validUntil: iso(nowMs + DAY_MS),
      },
    ],
    scans: [
      { id: 'scan-2', at: iso(nowMs - 3_600_000), status: 'completed' },
      { id: 'scan-1', at: iso(nowMs - DAY_MS), status: 'completed' },
    ],
  };
}

/**
 * Snapshot, the hosts changed since the earlier one, and context for `hosts` hosts (at most 64,000: they fit 10.32.0.0/16
 * below the retired assets). `now` is the evaluation time certificate dates are relative to.
 */
function generateSnapshot({
  hosts: count = 50_000,
  seed = 0x0b1e55ed,
  now = '2026-12-01T00:00:00.000Z',
} = {}) {
  if (!Number.isInteger(count) || count < 1 || count > 64_000)
    throw new Error('hosts must be from 1 to 64,000');
  const rng = prng(seed);
  const nowMs = Date.parse(now);
  const hosts = [];
  for (let i = 0; i < count; i++) hosts.push(makeHost(rng, i, nowMs));
  const takenAt = new Date(nowMs - 3_600_000).toISOString();
  return {
    snapshot: {
      id: 'bench-snapshot-2',
      scope: { id: 'bench', vantage: 'corp', approvedPorts: APPROVED_PORTS, targets: ['10.32.0.0/16'] },
      hosts,
      // One shard failed: the snapshot is incomplete.
      missingTargets: ['10.32.251.0/24'],
      takenAt,
    },
    changedHosts: changedHosts(rng, hosts),
    context: policyContext(rng, hosts, nowMs),
    now,
  };
}

module.exports = { generateSnapshot, prng };
