import sax from 'sax';

import type { GateResult } from '@driftwatch/core';
import { gateJUnit, JUNIT_GATE_SUITE, xmlAttribute, xmlText } from '@driftwatch/export';
import {
  failingGate,
  gate,
  gateFinding,
  hostileGate,
  manyFindingsGate,
  newModeGate,
  noSnapshotGate,
  passingGate,
} from '@driftwatch/export/ci/testing/gate-results';

interface Node {
  name: string;
  attributes: Record<string, string>;
  children: Node[];
  text: string;
}

/** Parses with sax in strict mode (well-formedness errors throw) into a small tree. */
function parse(xml: string): Node {
  const parser = sax.parser(true, {});
  const root: Node = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: Node[] = [root];
  parser.onerror = (error) => {
    throw error;
  };
  parser.onopentag = (tag) => {
    const node: Node = {
      name: tag.name,
      attributes: Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(v)])),
      children: [],
      text: '',
    };
    stack[stack.length - 1].children.push(node);
    stack.push(node);
  };
  parser.ontext = (text) => {
    stack[stack.length - 1].text += text;
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  parser.write(xml).close();
  expect(root.children).toHaveLength(1);
  return root.children[0];
}

const suites = (doc: Node): Node[] => doc.children.filter((c) => c.name === 'testsuite');
const cases = (suite: Node): Node[] => suite.children.filter((c) => c.name === 'testcase');
const suite = (doc: Node, name: string): Node => {
  const found = suites(doc).find((s) => s.attributes.name === name);
  if (!found) throw new Error(`no suite ${name}`);
  return found;
};
const counts = (node: Node): Record<string, string> => ({
  tests: node.attributes.tests,
  failures: node.attributes.failures,
  errors: node.attributes.errors,
  skipped: node.attributes.skipped,
});

/** Every count attribute equals what the elements say, on every suite and on the root. */
function expectConsistentCounts(doc: Node): void {
  let total = { tests: 0, failures: 0, skipped: 0 };
  for (const s of suites(doc)) {
    const cs = cases(s);
    const failures = cs.filter((c) => c.children.some((x) => x.name === 'failure')).length;
    const skipped = cs.filter((c) => c.children.some((x) => x.name === 'skipped')).length;
    expect(counts(s)).toEqual({
      tests: String(cs.length),
      failures: String(failures),
      errors: '0',
      skipped: String(skipped),
    });
    total = {
      tests: total.tests + cs.length,
      failures: total.failures + failures,
      skipped: total.skipped + skipped,
    };
  }
  expect(counts(doc)).toEqual({
    tests: String(total.tests),
    failures: String(total.failures),
    errors: '0',
    skipped: String(total.skipped),
  });
}

describe('gateJUnit', () => {
  it('reports a passing gate as one passing case per rule plus a passing verdict', () => {
    const doc = parse(gateJUnit(passingGate()));
    expect(doc.name).toBe('testsuites');
    expect(counts(doc)).toEqual({ tests: '5', failures: '0', errors: '0', skipped: '0' });
    expect(suites(doc).map((s) => s.attributes.name)).toEqual([
      JUNIT_GATE_SUITE,
      'pci.1.2.5.open-port-not-approved',
      'pci.11.3.1.banner',
      'pci.2.2.7.cleartext-admin',
      'pci.4.2.1.weak-tls',
    ]);
    expect(cases(suite(doc, 'pci.4.2.1.weak-tls'))).toEqual([
      expect.objectContaining({
        attributes: { name: 'pci.4.2.1.weak-tls', classname: 'CDE production', time: '0' },
        children: [],
      }),
    ]);
    for (const s of suites(doc)) expect(s.attributes.timestamp).toBe('2026-03-31T12:00:00.000Z');
    expectConsistentCounts(doc);
  });

  it('fails one case per rule × asset with blocking findings, and skips non-blocking ones with the reason', () => {
    const doc = parse(gateJUnit(failingGate()));
    // verdict + cleartext×2 assets + weak-tls + open-port (skipped) + banner (passing)
    expect(counts(doc)).toEqual({ tests: '6', failures: '4', errors: '0', skipped: '1' });
    expectConsistentCounts(doc);

    const cleartext = cases(suite(doc, 'pci.2.2.7.cleartext-admin'));
    expect(cleartext.map((c) => c.attributes.name)).toEqual([
      'pci.2.2.7.cleartext-admin on 10.0.0.5',
      'pci.2.2.7.cleartext-admin on 10.0.0.7',
    ]);
    const [onFive] = cleartext;
    const failure = onFive.children[0];
    expect(failure.name).toBe('failure');
    expect(failure.attributes).toEqual({ message: '2 blocking findings: 21/tcp, 23/tcp', type: 'high' });
    expect(failure.text).toContain('[high] 10.0.0.5 23/tcp: Insecure cleartext service on 10.0.0.5 23/tcp');
    expect(failure.text).toContain('Requirements: PCI DSS v4.0.1 2.2.7; PCI DSS v4.0.1 8.3.2');
    expect(failure.text).toContain('Remediation: Replace telnet with SSH.');
    expect(failure.text).toContain('Evidence: /v1/findings/f-pci.2.2.7.cleartext-admin-10.0.0.5-23/tcp');

    const [openPort] = cases(suite(doc, 'pci.1.2.5.open-port-not-approved'));
    expect(openPort.children.map((c) => [c.name, c.attributes.message])).toEqual([
      ['skipped', "not blocking: medium is below the gate's fail-on high"],
    ]);

    const [verdict] = cases(suite(doc, JUNIT_GATE_SUITE));
    expect(verdict.children[0].attributes).toEqual({
      message: 'the gate failed: 4 findings at or above high',
      type: 'gate',
    });
    // The waived finding (10.0.0.8) is in no test case.
    expect(gateJUnit(failingGate())).not.toContain('10.0.0.8 23/tcp');
  });

  it('skips a finding known at the baseline in mode new, and fails the new one', () => {
    const doc = parse(gateJUnit(newModeGate()));
    const [known, fresh] = cases(suite(doc, 'pci.2.2.7.cleartext-admin'));
    expect(known.children[0].name).toBe('skipped');
    expect(known.children[0].attributes.message).toBe(
      'not blocking: known at the baseline of 2026-03-01T08:00:00.000Z (mode new)',
    );
    expect(fresh.children[0].name).toBe('failure');
    expectConsistentCounts(doc);
  });

  it('fails a rule × asset with one blocking finding, listing the non-blocking one beside it', () => {
    const result = gate(
      [
        gateFinding('pci.2.2.7.cleartext-admin', 'h', '23/tcp', { newSinceBaseline: false }),
        gateFinding('pci.2.2.7.cleartext-admin', 'h', '21/tcp', { newSinceBaseline: true }),
      ],
      { mode: 'new' },
    );
    const [onH] = cases(
      parse(gateJUnit(result)).children.find(
        (s) => s.attributes.name === 'pci.2.2.7.cleartext-admin',
      ) as Node,
    );
    expect(onH.children[0].name).toBe('failure');
    expect(onH.children[0].attributes.message).toBe('21/tcp: Insecure cleartext service on h 21/tcp');
    expect(onH.children[0].text).toContain('Blocking: no, known at the baseline');
  });

  it('fails the verdict case when the gate fails with no finding (no snapshot)', () => {
    const doc = parse(gateJUnit(noSnapshotGate()));
    expect(counts(doc)).toEqual({ tests: '5', failures: '1', errors: '0', skipped: '0' });
    expect(cases(suite(doc, JUNIT_GATE_SUITE))[0].children[0].attributes.message).toBe(
      'the gate failed: the scope has no snapshot: its state is unknown',
    );
  });

  it('stays well-formed with hostile text, keeping it readable and dropping characters XML forbids', () => {
    const xml = gateJUnit(hostileGate());
    const doc = parse(xml);
    expectConsistentCounts(doc);
    const custom = suite(doc, 'custom.rule with spaces/and|pipes');
    expect(cases(custom)[0].children[0].name).toBe('failure');
    const cleartext = cases(suite(doc, 'pci.2.2.7.cleartext-admin'))[0];
    expect(cleartext.attributes.name).toBe('pci.2.2.7.cleartext-admin on fe80::1%eth0');
    const message = cleartext.children[0].attributes.message;
    // The newline survives in the attribute as a character reference; markup arrives as text.
    expect(message).toContain('x | y\n<script>alert(1)</script> `code` @admin');
    expect(message).toContain(']]> &amp; "q" \'a\'');
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(message).not.toMatch(/[\u0000\u0007\u001b\uFFFE]/);
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]|\p{Cs}/u);
    expect(
      suite(doc, JUNIT_GATE_SUITE).children[0].children.find((p) => p.attributes.name === 'scope.name')
        ?.attributes.value,
    ).toContain('<script>');
  });

  it('escapes XML text and attributes', () => {
    expect(xmlText('a < b && c > d ]]> \u0001\r')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt; &#13;');
    expect(xmlAttribute('"x"\t\n<y>')).toBe('&quot;x&quot;&#9;&#10;&lt;y&gt;');
    expect(xmlText('emoji 😀 kept, lone \ud83d dropped')).toBe('emoji 😀 kept, lone  dropped');
  });

  it('counts many findings on every suite and on the root', () => {
    const result: GateResult = manyFindingsGate(300);
    const doc = parse(gateJUnit(result));
    expectConsistentCounts(doc);
    // 300 findings on 300 distinct assets: one failing case each, plus the failing verdict.
    expect(counts(doc)).toEqual({ tests: '301', failures: '301', errors: '0', skipped: '0' });
  });

  it('is deterministic whatever the order of findings and rules', () => {
    const shuffled = manyFindingsGate(40);
    shuffled.findings.reverse();
    shuffled.blocking.reverse();
    shuffled.rules.reverse();
    expect(gateJUnit(shuffled)).toBe(gateJUnit(manyFindingsGate(40)));
  });
});
