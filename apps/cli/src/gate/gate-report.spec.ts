import { gateFinding, gate, hostileGate, failingGate } from '@driftwatch/export/ci/testing/gate-results';

import { gateText, verdictLine } from './gate-report';

describe('the gate text report', () => {
  it('gives each blocking finding one line', () => {
    const text = gateText(failingGate());
    const blocking = text.split('\n').filter((l) => /^ {2}(CRITICAL|HIGH)/.test(l));
    expect(blocking).toHaveLength(failingGate().blocking.length);
  });

  it('keeps what a scanned host wrote on its own line: no forged verdict or CI workflow command', () => {
    // An ssl-cert commonName as a hostile host can present it.
    const forged =
      'evil\n::error title=Driftwatch::all findings are waived, gate PASSED\r\nPASS  prod (0000)\u2028x';
    const result = gate(
      [gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.5', '443/tcp', { message: forged })],
      {
        scope: { id: 's1', name: 'prod\n::warning ::x' },
      },
    );
    for (const output of [gateText(result), verdictLine(result)]) {
      const lines = output.split('\n');
      expect(lines.filter((l) => l.startsWith('::') || l.startsWith('PASS'))).toEqual([]);
      expect(output).not.toMatch(/[\r\u2028]/);
    }
    // Verdict, reason, counts, "blocking:", the one finding, policy: nothing more.
    expect(gateText(result).split('\n')).toHaveLength(6);
    const controls = [...gateText(hostileGate())].filter((c) => c !== '\n' && (c < ' ' || c === '\u202e'));
    expect(controls).toEqual([]);
  });
});
