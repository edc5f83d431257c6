import { webhookUrlProblem } from './webhook-url';

describe('webhook URL validation', () => {
  it('accepts https anywhere and plain http on loopback hosts', () => {
    for (const url of [
      'https://hooks.example.com/driftwatch?token=x',
      'http://127.0.0.1:8080/hook',
      'http://127.5.6.7/hook',
      'http://localhost:9000/',
      'http://[::1]:9000/hook',
    ]) {
      expect(webhookUrlProblem(url, [])).toBeNull();
    }
  });

  it('refuses plain http to a host that is not loopback', () => {
    expect(webhookUrlProblem('http://hooks.example.com/x', [])).toMatch(/https/);
    expect(webhookUrlProblem('http://10.0.0.5/x', [])).toMatch(/https/);
  });

  it('allows plain http to hosts and networks listed in WEBHOOK_ALLOW_HTTP_HOSTS', () => {
    const allowed = ['hooks.internal', '10.0.0.0/8'];
    expect(webhookUrlProblem('http://hooks.internal/x', allowed)).toBeNull();
    expect(webhookUrlProblem('http://10.1.2.3/x', allowed)).toBeNull();
    expect(webhookUrlProblem('http://192.168.1.1/x', allowed)).toMatch(/https/);
  });

  it('refuses credentials in the URL, other schemes and relative URLs', () => {
    expect(webhookUrlProblem('https://user:pw@hooks.example.com/', [])).toMatch(/credentials/);
    expect(webhookUrlProblem('ftp://hooks.example.com/', [])).toMatch(/http\(s\)/);
    expect(webhookUrlProblem('/relative/path', [])).toMatch(/absolute/);
    expect(webhookUrlProblem(`https://x.example/${'a'.repeat(2100)}`, [])).toMatch(/at most/);
  });
});
