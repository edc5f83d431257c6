import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { checkPolicyFiles, checkPolicyPack } from './policy-pack-check';

const rule = (id: string, severity = 'high') => `id: ${id}
title: Telnet answers
requirements: ['PCI DSS v4.0.1 2.2.7']
severity: ${severity}
subject: service
where: { type: object, required: [portKey], properties: { portKey: { const: tcp/23 } } }
expect: false
message: '{{address}} answers on {{portKey}}'
fixtures:
  fail:
    - port: { protocol: tcp, port: 23 }
  pass:
    - port: { protocol: tcp, port: 22 }
`;

function refusal(files: { path: string; text: string }[]): DriftwatchError {
  try {
    checkPolicyFiles(files);
    checkPolicyPack('test', files);
  } catch (error: unknown) {
    if (error instanceof DriftwatchError) return error;
    throw error;
  }
  throw new Error('the pack was accepted');
}

describe('checkPolicyPack', () => {
  it('compiles a good pack; file names and order do not change the version', () => {
    const a = checkPolicyPack('test', [
      { path: 'a.yaml', text: rule('t.a') },
      { path: 'b.yaml', text: rule('t.b') },
    ]);
    const b = checkPolicyPack('test', [
      { path: 'x/b.yml', text: rule('t.b') },
      { path: 'y.yaml', text: rule('t.a') },
    ]);
    expect(a.ruleCount).toBe(2);
    expect(b.version).toBe(a.version);
  });

  it('names every bad file, with its place in the request, line and pointer', () => {
    const error = refusal([
      { path: 'ok.yaml', text: rule('t.ok') },
      { path: 'bad-severity.yaml', text: rule('t.sev', 'urgent') },
      { path: 'bad-yaml.yaml', text: 'id: [' },
    ]);
    expect(error.code).toBe(ErrorCode.PolicyInvalid);
    expect(error.details.fields).toEqual([
      {
        field: 'files[1]',
        reason: expect.stringMatching(/^bad-severity\.yaml:4:\d+: rule t\.sev: \/severity: /),
      },
      { field: 'files[2]', reason: expect.stringMatching(/^bad-yaml\.yaml:1:\d+: \/: syntax error/) },
    ]);
  });

  it('reports a duplicate rule id found only when the whole pack compiles', () => {
    const error = refusal([
      { path: 'one.yaml', text: rule('t.same') },
      { path: 'two.yaml', text: rule('t.same') },
    ]);
    expect(error.details.fields).toEqual([
      {
        field: 'files[1]',
        reason: expect.stringMatching(/^two\.yaml:1:\d+: rule t\.same: \/id: duplicate rule id "t\.same"/),
      },
    ]);
  });

  it('refuses unsafe paths, duplicates and oversized files before parsing', () => {
    const error = refusal([
      { path: '../up.yaml', text: rule('t.a') },
      { path: '.hidden.yaml', text: rule('t.b') },
      { path: 'a.yaml', text: rule('t.c') },
      { path: 'a.yaml', text: `# ${'é'.repeat(140_000)}\n${rule('t.d')}` },
    ]);
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(error.details.fields?.map((f) => f.field)).toEqual([
      'files[0].path',
      'files[1].path',
      'files[3].path',
      'files[3].text',
    ]);
  });
});
