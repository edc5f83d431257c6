'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// Deterministic generator of a realistic pair of nmap 7.93 XML scans of a /16 (10.20.0.0/16):
// ~5 open ports per host with <service>/<cpe>, and in the second scan ~2% of the hosts changed
// (a port opened or closed, a service version changed, the host gone or newly up). Both files are
// written in one pass, streamed to disk a megabyte at a time: no whole document is ever in memory.
const fs = require('node:fs');

/** Small fast PRNG (mulberry32): the same seed gives the same scans on every machine. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// [product, version, extrainfo, ostype, cpe...] per service; a version change picks another row.
const CATALOG = [
  {
    port: 22,
    name: 'ssh',
    weight: 9,
    rows: [
      [
        'OpenSSH',
        '8.9p1 Ubuntu 3ubuntu0.4',
        'Ubuntu Linux; protocol 2.0',
        'Linux',
        'cpe:/a:openbsd:openssh:8.9p1',
        'cpe:/o:linux:linux_kernel',
      ],
      [
        'OpenSSH',
        '9.2p1 Debian 2+deb12u1',
        'protocol 2.0',
        'Linux',
        'cpe:/a:openbsd:openssh:9.2p1',
        'cpe:/o:linux:linux_kernel',
      ],
      ['OpenSSH', '7.4', 'protocol 2.0', '', 'cpe:/a:openbsd:openssh:7.4'],
      [
        'OpenSSH',
        '9.6p1 Ubuntu 3ubuntu13',
        'Ubuntu Linux; protocol 2.0',
        'Linux',
        'cpe:/a:openbsd:openssh:9.6p1',
        'cpe:/o:linux:linux_kernel',
      ],
    ],
  },
  {
    port: 80,
    name: 'http',
    weight: 7,
    rows: [
      [
        'nginx',
        '1.18.0',
        '(Ubuntu)',
        'Linux',
        'cpe:/a:igor_sysoev:nginx:1.18.0',
        'cpe:/o:linux:linux_kernel',
      ],
      ['Apache httpd', '2.4.57', '(Debian)', '', 'cpe:/a:apache:http_server:2.4.57'],
      ['nginx', '1.24.0', '', '', 'cpe:/a:igor_sysoev:nginx:1.24.0'],
      [
        'Microsoft IIS httpd',
        '10.0',
        '',
        'Windows',
        'cpe:/a:microsoft:internet_information_services:10.0',
        'cpe:/o:microsoft:windows',
      ],
    ],
  },
  {
    port: 443,
    name: 'https',
    weight: 6,
    tunnel: 'ssl',
    rows: [
      ['nginx', '1.18.0', '(Ubuntu)', 'Linux', 'cpe:/a:igor_sysoev:nginx:1.18.0'],
      ['Apache httpd', '2.4.57', '(Debian) OpenSSL/3.0.11', '', 'cpe:/a:apache:http_server:2.4.57'],
      ['nginx', '1.25.3', '', '', 'cpe:/a:igor_sysoev:nginx:1.25.3'],
    ],
  },
  {
    port: 25,
    name: 'smtp',
    weight: 2,
    rows: [
      ['Postfix smtpd', '', '', '', 'cpe:/a:postfix:postfix'],
      ['Exim smtpd', '4.96', '', '', 'cpe:/a:exim:exim:4.96'],
    ],
  },
  {
    port: 53,
    name: 'domain',
    weight: 2,
    rows: [
      [
        'ISC BIND',
        '9.18.19-1~deb12u1',
        'Debian Linux',
        'Linux',
        'cpe:/a:isc:bind:9.18.19-1~deb12u1',
        'cpe:/o:linux:linux_kernel',
      ],
      ['dnsmasq', '2.89', '', '', 'cpe:/a:thekelleys:dnsmasq:2.89'],
    ],
  },
  {
    port: 3306,
    name: 'mysql',
    weight: 3,
    rows: [
      ['MySQL', '8.0.35-0ubuntu0.22.04.1', '', '', 'cpe:/a:mysql:mysql:8.0.35-0ubuntu0.22.04.1'],
      ['MariaDB', '10.11.4', '', '', 'cpe:/a:mariadb:mariadb:10.11.4'],
    ],
  },
  {
    port: 5432,
    name: 'postgresql',
    weight: 3,
    rows: [
      ['PostgreSQL DB', '15.5 - 15.6', '', '', 'cpe:/a:postgresql:postgresql:15'],
      ['PostgreSQL DB', '13.4 - 13.13', '', '', 'cpe:/a:postgresql:postgresql:13'],
    ],
  },
  {
    port: 3389,
    name: 'ms-wbt-server',
    weight: 3,
    rows: [['Microsoft Terminal Services', '', '', 'Windows', 'cpe:/o:microsoft:windows']],
  },
  { port: 445, name: 'microsoft-ds', weight: 3, rows: [['', '', '', '']] },
  {
    port: 139,
    name: 'netbios-ssn',
    weight: 3,
    rows: [['Microsoft Windows netbios-ssn', '', '', 'Windows', 'cpe:/o:microsoft:windows']],
  },
  { port: 111, name: 'rpcbind', weight: 2, rows: [['', '2-4', 'RPC #100000', '']] },
  {
    port: 8080,
    name: 'http-proxy',
    weight: 3,
    rows: [
      ['Apache Tomcat', '9.0.83', '', '', 'cpe:/a:apache:tomcat:9.0.83'],
      ['Jetty', '10.0.18', '', '', 'cpe:/a:eclipse:jetty:10.0.18'],
    ],
  },
  {
    port: 21,
    name: 'ftp',
    weight: 1,
    rows: [
      ['vsftpd', '3.0.5', '', 'Unix', 'cpe:/a:vsftpd:vsftpd:3.0.5'],
      ['ProFTPD', '1.3.8', '', '', 'cpe:/a:proftpd:proftpd:1.3.8'],
    ],
  },
  {
    port: 6379,
    name: 'redis',
    weight: 1,
    rows: [['Redis key-value store', '7.0.15', '', '', 'cpe:/a:redislabs:redis:7.0.15']],
  },
  { port: 9100, name: 'jetdirect', weight: 1, rows: [['', '', '', '']] },
];
const TOTAL_WEIGHT = CATALOG.reduce((sum, s) => sum + s.weight, 0);
const SCANNED_PORTS = 1000;
const START = 1700000000;

function xmlEscape(value) {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function pickService(rng, taken) {
  for (;;) {
    let roll = rng() * TOTAL_WEIGHT;
    const service = CATALOG.find((s) => (roll -= s.weight) < 0) ?? CATALOG[0];
    if (!taken.has(service.port)) return service;
  }
}

/** The base state of one address: present or not, and its open ports with their version rows. */
function baseHost(seed, index) {
  const rng = prng(seed ^ Math.imul(index + 1, 0x9e3779b1));
  const present = rng() >= 0.005;
  const count = 3 + Math.floor(rng() * 5); // 3..7, mean 5
  const taken = new Set();
  const ports = [];
  for (let i = 0; i < count; i++) {
    const service = pickService(rng, taken);
    taken.add(service.port);
    ports.push({ service, row: Math.floor(rng() * service.rows.length) });
  }
  ports.sort((a, b) => a.service.port - b.service.port);
  return {
    present,
    ports,
    named: rng() < 0.5,
    ttl: rng() < 0.7 ? 63 : 127,
    srtt: 200 + Math.floor(rng() * 4000),
  };
}

/** The second scan's version of a host, and what kind of change it is (or null). */
function changedHost(seed, index, base) {
  const rng = prng((seed * 31) ^ Math.imul(index + 7, 0x85ebca6b));
  if (!base.present)
    return rng() < 0.4 ? { host: { ...base, present: true }, kind: 'appeared' } : { host: base, kind: null };
  if (rng() >= 0.02) return { host: base, kind: null };
  const roll = rng();
  if (roll < 0.11) return { host: { ...base, present: false }, kind: 'gone' };
  const ports = base.ports.map((p) => ({ ...p }));
  if (roll < 0.44 || ports.length === 1) {
    const taken = new Set(ports.map((p) => p.service.port));
    const service = pickService(rng, taken);
    ports.push({ service, row: Math.floor(rng() * service.rows.length) });
    ports.sort((a, b) => a.service.port - b.service.port);
    return { host: { ...base, ports }, kind: 'port-opened' };
  }
  if (roll < 0.72) {
    ports.splice(Math.floor(rng() * ports.length), 1);
    return { host: { ...base, ports }, kind: 'port-closed' };
  }
  const versioned = ports.filter((p) => p.service.rows.length > 1);
  if (versioned.length === 0) {
    ports.splice(0, 1);
    return { host: { ...base, ports }, kind: 'port-closed' };
  }
  const target = versioned[Math.floor(rng() * versioned.length)];
  target.row =
    (target.row + 1 + Math.floor(rng() * (target.service.rows.length - 1))) % target.service.rows.length;
  return { host: { ...base, ports }, kind: 'version-changed' };
}

function hostXml(addr, host, time) {
  const name = `host-${addr.replace(/\./g, '-')}.corp.example`;
  const closed = SCANNED_PORTS - host.ports.length;
  let out =
    `<host starttime="${time}" endtime="${time + 151}"><status state="up" reason="echo-reply" reason_ttl="${host.ttl}"/>\n` +
    `<address addr="${addr}" addrtype="ipv4"/>\n<hostnames>\n` +
    (host.named ? `<hostname name="${name}" type="PTR"/>\n` : '') +
    `</hostnames>\n<ports><extraports state="closed" count="${closed}">\n` +
    `<extrareasons reason="reset" count="${closed}" proto="tcp" ports="1-20,23-24,26-52"/>\n</extraports>\n`;
  for (const { service, row } of host.ports) {
    const [product, version, extrainfo, ostype, ...cpes] = service.rows[row];
    let attrs = `name="${service.name}"`;
    if (product) attrs += ` product="${xmlEscape(product)}"`;
    if (version) attrs += ` version="${xmlEscape(version)}"`;
    if (extrainfo) attrs += ` extrainfo="${xmlEscape(extrainfo)}"`;
    if (service.tunnel) attrs += ` tunnel="${service.tunnel}"`;
    if (ostype) attrs += ` ostype="${ostype}"`;
    attrs += product ? ' method="probed" conf="10"' : ' method="table" conf="3"';
    out +=
      `<port protocol="tcp" portid="${service.port}"><state state="open" reason="syn-ack" reason_ttl="${host.ttl}"/>` +
      `<service ${attrs}${cpes.length ? `>${cpes.map((c) => `<cpe>${c}</cpe>`).join('')}</service>` : '/>'}</port>\n`;
  }
  return `${out}</ports>\n<times srtt="${host.srtt}" rttvar="${host.srtt >> 2}" to="100000"/>\n</host>\n`;
}

function header(file, start) {
  const args = `nmap -sS -sV -oX ${file} 10.20.0.0/16`;
  const startstr = new Date(start * 1000).toUTCString();
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n' +
    '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n' +
    `<!-- Nmap 7.93 scan initiated ${startstr} as: ${args} -->\n` +
    `<nmaprun scanner="nmap" args="${args}" start="${start}" startstr="${startstr}" version="7.93" xmloutputversion="1.05">\n` +
    `<scaninfo type="syn" protocol="tcp" numservices="${SCANNED_PORTS}" services="1,3-4,6-7,9,13,17,19-26"/>\n` +
    '<verbose level="0"/>\n<debugging level="0"/>\n'
  );
}

function footer(end, up, total) {
  return (
    `<runstats><finished time="${end}" timestr="${new Date(end * 1000).toUTCString()}" ` +
    `summary="Nmap done at ${new Date(end * 1000).toUTCString()}; ${total} IP addresses (${up} hosts up) scanned in ${end - START}.00 seconds" ` +
    `elapsed="${end - START}.00" exit="success"/><hosts up="${up}" down="${total - up}" total="${total}"/>\n</runstats>\n</nmaprun>\n`
  );
}

/** Buffered synchronous writer: about a megabyte in memory at a time. */
function writer(path) {
  const fd = fs.openSync(path, 'w');
  let parts = [];
  let size = 0;
  const flush = () => {
    if (parts.length) fs.writeSync(fd, parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    write(text) {
      parts.push(text);
      size += text.length;
      if (size >= 1 << 20) flush();
    },
    close() {
      flush();
      fs.closeSync(fd);
    },
  };
}

/**
 * Writes the pair and returns what changed between them, by kind and address.
 * options: { hosts = 65536, seed = 20240601 }
 */
function generateScanPair(oldPath, newPath, options = {}) {
  const hosts = options.hosts ?? 65536;
  const seed = options.seed ?? 20240601;
  const before = writer(oldPath);
  const after = writer(newPath);
  before.write(header('old.xml', START));
  after.write(header('new.xml', START + 86400));
  const changes = { 'port-opened': [], 'port-closed': [], 'version-changed': [], gone: [], appeared: [] };
  let upBefore = 0;
  let upAfter = 0;
  for (let index = 0; index < hosts; index++) {
    const addr = `10.20.${(index >> 8) & 255}.${index & 255}`;
    const base = baseHost(seed, index);
    const { host, kind } = changedHost(seed, index, base);
    const time = START + 10 + Math.floor(index / 64);
    if (base.present) {
      before.write(hostXml(addr, base, time));
      upBefore++;
    }
    if (host.present) {
      after.write(hostXml(addr, host, time + 86400));
      upAfter++;
    }
    if (kind) changes[kind].push(addr);
  }
  const end = START + 10 + Math.ceil(hosts / 64) + 200;
  before.write(footer(end, upBefore, hosts));
  after.write(footer(end + 86400, upAfter, hosts));
  before.close();
  after.close();
  return { hosts, upBefore, upAfter, changes };
}

module.exports = { generateScanPair };

if (require.main === module) {
  const [oldPath, newPath, hosts] = process.argv.slice(2);
  if (!oldPath || !newPath) {
    console.error('usage: node bench/lib/generate-scans.js OLD.xml NEW.xml [hosts]');
    process.exit(2);
  }
  const summary = generateScanPair(oldPath, newPath, { hosts: hosts ? Number(hosts) : undefined });
  const counts = Object.fromEntries(Object.entries(summary.changes).map(([k, v]) => [k, v.length]));
  console.log(
    JSON.stringify({
      hosts: summary.hosts,
      upBefore: summary.upBefore,
      upAfter: summary.upAfter,
      changes: counts,
    }),
  );
}
