import { parseNetworks } from './webhook-destination';
import { webhookUrlProblem } from './webhook-url';

const LOOPBACK = parseNetworks(['127.0.0.0/8', '::1/128']);

describe('webhook URL validation', () => {
  it('accepts https anywhere public, and plain http on loopback hosts where loopback is allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/driftwatch?token=x', [], [])).toBeNull();
    expect(webhookUrlProblem('https://203.0.114.9/hook', [], [])).toBeNull();
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://127.5.6.7/hook',
      'http://localhost:9000/',
      'http://[::1]:9000/hook',
    ]) {
      expect(webhookUrlProblem(url, [], LOOPBACK)).toBeNull();
    }
  });

  it('refuses plain http to a host that is not loopback', () => {
    expect(webhookUrlProblem('http://hooks.example.com/x', [], [])).toMatch(/https/);
    expect(webhookUrlProblem('http://10.0.0.5/x', [], [])).toMatch(/https/);
  });

  it('allows plain http to hosts and networks listed in WEBHOOK_ALLOW_HTTP_HOSTS', () => {
    const allowed = ['hooks.internal', '10.0.0.0/8'];
    const networks = parseNetworks(['10.0.0.0/8']);
    expect(webhookUrlProblem('http://hooks.internal/x', allowed, networks)).toBeNull();
    expect(webhookUrlProblem('http://10.1.2.3/x', allowed, networks)).toBeNull();
    expect(webhookUrlProblem('http://192.168.1.1/x', allowed, networks)).toMatch(/https/);
  });

  it('refuses an address or localhost webhooks may not reach, unless WEBHOOK_ALLOWED_NETWORKS lists it', () => {
    for (const [url, kind] of [
      ['https://169.254.169.254/latest/meta-data/', 'link-local'],
      ['https://10.0.0.5/hook', 'private'],
      ['https://192.168.1.1/hook', 'private'],
      ['https://100.64.0.1/hook', 'carrier-grade NAT'],
      ['https://[fd00::1]/hook', 'unique local'],
      ['https://[fe80::1]/hook', 'link-local'],
      ['https://[::ffff:10.0.0.1]/hook', 'private'],
      ['https://[::ffff:7f00:1]/hook', 'loopback'],
      ['http://localhost:9000/', 'loopback'],
      ['http://127.0.0.1:8080/hook', 'loopback'],
      ['https://0.0.0.0/', 'unspecified'],
      ['https://224.0.0.1/', 'multicast'],
    ] as const) {
      const problem = webhookUrlProblem(url, [], []);
      expect(problem).toContain(kind);
      expect(problem).toContain('WEBHOOK_ALLOWED_NETWORKS');
    }
    expect(webhookUrlProblem('https://10.0.0.5/hook', [], parseNetworks(['10.0.0.0/24']))).toBeNull();
    expect(webhookUrlProblem('https://10.0.1.5/hook', [], parseNetworks(['10.0.0.0/24']))).toMatch(/private/);
  });

  it('refuses an IPv4-compatible IPv6 address (::a.b.c.d), which ipaddr.js calls unicast', () => {
    for (const url of [
      'https://[::127.0.0.1]/hook',
      'https://[::7f00:1]/hook',
      'https://[::10.0.0.1]/hook',
    ]) {
      expect(webhookUrlProblem(url, [], [])).toMatch(/IPv4-compatible IPv6 address/);
    }
    expect(webhookUrlProblem('https://[2001:4860::8888]/hook', [], [])).toBeNull();
  });

  it('refuses credentials in the URL, other schemes and relative URLs', () => {
    expect(webhookUrlProblem('https://user:pw@hooks.example.com/', [], [])).toMatch(/credentials/);
    expect(webhookUrlProblem('ftp://hooks.example.com/', [], [])).toMatch(/http\(s\)/);
    expect(webhookUrlProblem('/relative/path', [], [])).toMatch(/absolute/);
    expect(webhookUrlProblem(`https://x.example/${'a'.repeat(2100)}`, [], [])).toMatch(/at most/);
  });
});
