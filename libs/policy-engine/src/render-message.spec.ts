import { renderMessage } from '@driftwatch/policy-engine';
import { templateProblem } from './render-message';

describe('renderMessage', () => {
  const subject = {
    address: '10.0.0.1',
    port: { port: 23, service: { name: 'telnet', product: '' } },
    scope: { approvedPorts: [22, 443] },
  };

  it('substitutes dot paths, with or without spaces inside the braces', () => {
    expect(renderMessage('{{address}} {{ port.port }}/{{port.service.name}}', subject)).toBe(
      '10.0.0.1 23/telnet',
    );
  });

  it('renders missing, empty and non-text values as "unknown" and lists as comma-separated text', () => {
    expect(renderMessage('{{port.service.version}} {{port.service.product}} {{port}}', subject)).toBe(
      'unknown unknown unknown',
    );
    expect(renderMessage('{{scope.approvedPorts}}', subject)).toBe('22, 443');
  });

  it('does not reach prototype members', () => {
    expect(renderMessage('{{address.length}} {{port.constructor}}', subject)).toBe('unknown unknown');
  });
});

describe('templateProblem', () => {
  const roots = ['address', 'port'];

  it('accepts a template whose placeholders start at the subject', () => {
    expect(templateProblem('{{address}} {{port.service.name}} and plain text', roots)).toBeUndefined();
  });

  it('names a placeholder with an unknown root', () => {
    expect(templateProblem('{{hots.name}}', roots)).toContain('{{hots.name}}');
  });

  it('flags stray braces that would otherwise print literally', () => {
    expect(templateProblem('{{address} is open', roots)).toContain('not a {{dot.path}} placeholder');
    expect(templateProblem('{{ port service }}', roots)).toBeDefined();
  });
});
