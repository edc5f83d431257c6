import {
  oscalAssessmentResults,
  oscalAssessmentResultsSteps,
  OSCAL_VERSION,
  controlId,
} from './assessment-results';
import { oddFindings, oscalEvaluation, oscalFinding } from './testing/oscal-inputs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;
const OSCAL_STRING = /^\S(.*\S)?$/;

describe('oscalAssessmentResults', () => {
  const many = Array.from({ length: 40 }, (_, n) => oscalFinding(n));

  it('names the document, the OSCAL version and a plan href even without a plan', () => {
    const doc = oscalAssessmentResults(oscalEvaluation(many))['assessment-results'];
    expect(doc.metadata).toMatchObject({
      'last-modified': '2026-03-31T12:00:00.000Z',
      version: 'pci-dss-v4@3f2a9c1',
      'oscal-version': OSCAL_VERSION,
    });
    expect(doc.metadata.title).toContain('CDE production');
    expect(doc['import-ap'].href).toBe('urn:driftwatch:assessment-plan:0b7c3f7e-1d2a-4e5f-8a9b-1c2d3e4f5a6b');
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({
      start: '2026-03-31T11:58:00.000Z',
      end: '2026-03-31T12:00:00.000Z',
    });
  });

  it('reviews every requirement the rules check, failing or not', () => {
    const [result] = oscalAssessmentResults(oscalEvaluation([]))['assessment-results'].results;
    expect(result['reviewed-controls']['control-selections'][0]['include-controls']).toEqual([
      { 'control-id': 'PCI_DSS_v4.0.1_1.2.5' },
      { 'control-id': 'PCI_DSS_v4.0.1_1.2.6' },
      { 'control-id': 'PCI_DSS_v4.0.1_2.2.7' },
      { 'control-id': 'PCI_DSS_v4.0.1_8.3.2' },
    ]);
    expect(result.observations).toBeUndefined();
    expect(result.findings).toBeUndefined();
  });

  it('makes one observation per failing rule and asset, made by test, naming the asset', () => {
    const input = oscalEvaluation([
      oscalFinding(3),
      oscalFinding(3, { fingerprint: 'fp-3b', subject: 'tcp/9999', message: 'tcp/9999 open' }),
      oscalFinding(4),
    ]);
    const [result] = oscalAssessmentResults(input)['assessment-results'].results;
    expect(result.observations).toHaveLength(2);
    const open = result.observations!.find((o) =>
      o.props?.some((p) => p.value === 'pci.1.2.5.open-port-not-approved'),
    )!;
    expect(open.methods).toEqual(['TEST']);
    expect(open.types).toEqual(['finding']);
    expect(open.collected).toBe('2026-03-31T11:58:00.000Z');
    expect(open.subjects).toEqual([
      { 'subject-uuid': expect.stringMatching(UUID), type: 'inventory-item', title: '10.0.0.3' },
    ]);
    expect(open['relevant-evidence']!.map((e) => e.description)).toEqual([
      'tcp/8003 on 10.0.0.3: 10.0.0.3 tcp/8003 is open but not approved',
      'tcp/9999 on 10.0.0.3: tcp/9999 open',
    ]);
    expect(open['relevant-evidence']![0].href).toBe('/api/v1/snapshots/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    const inventory = result['local-definitions']!['inventory-items']!.map((i) => i.uuid);
    expect(inventory).toContain(open.subjects![0]['subject-uuid']);
  });

  it('makes one not-satisfied finding per failing finding and requirement, tied to its observation', () => {
    const [result] = oscalAssessmentResults(oscalEvaluation([oscalFinding(2)]))['assessment-results'].results;
    expect(result.findings!.map((f) => f.target)).toEqual(
      ['PCI DSS v4.0.1 1.2.6', 'PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 8.3.2'].map((r) => ({
        type: 'objective-id',
        'target-id': controlId(r),
        title: r,
        status: { state: 'not-satisfied', reason: 'fail' },
      })),
    );
    const observation = result.observations![0].uuid;
    for (const f of result.findings!) {
      expect(f['related-observations']).toEqual([{ 'observation-uuid': observation }]);
      const props = Object.fromEntries(f.props!.map((p) => [p.name, p.value]));
      expect(props).toMatchObject({
        severity: 'high',
        'rule-id': 'pci.2.2.7.cleartext-admin',
        fingerprint: 'fp-0002',
        'snapshot-id': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        'snapshot-content-hash': 'a'.repeat(64),
        'policy-version': 'pci-dss-v4@3f2a9c1',
      });
    }
  });

  it('exports the same evaluation byte-identically, whatever the order of its findings', () => {
    const a = JSON.stringify(oscalAssessmentResults(oscalEvaluation(many)));
    const b = JSON.stringify(oscalAssessmentResults(oscalEvaluation([...many].reverse())));
    expect(b).toBe(a);
  });

  it('builds in steps, pausing between batches of findings, to the same document', () => {
    const large = Array.from({ length: 2500 }, (_, n) => oscalFinding(n));
    const steps = oscalAssessmentResultsSteps(oscalEvaluation(large));
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    // Observations and findings each pause after every 1,000.
    expect(pauses).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(step.value)).toBe(JSON.stringify(oscalAssessmentResults(oscalEvaluation(large))));
  });

  it('gives another evaluation other UUIDs', () => {
    const a = oscalAssessmentResults(oscalEvaluation(many))['assessment-results'];
    const b = oscalAssessmentResults(oscalEvaluation(many, { id: '7f1c1a52-4b7e-4f0e-9d6a-0a4c1b2d3e4f' }))[
      'assessment-results'
    ];
    expect(b.uuid).not.toBe(a.uuid);
    expect(b.results[0].uuid).not.toBe(a.results[0].uuid);
  });

  it('writes only v5 UUIDs, each unique in the document', () => {
    const text = JSON.stringify(oscalAssessmentResults(oscalEvaluation(many)));
    const uuids: string[] = [];
    JSON.parse(text, (key, value: unknown) => {
      if (key === 'uuid') uuids.push(value as string);
      return value;
    });
    expect(uuids.length).toBeGreaterThan(40);
    expect(uuids.every((u) => UUID.test(u))).toBe(true);
    expect(new Set(uuids).size).toBe(uuids.length);
  });

  it('turns odd text into OSCAL tokens and one-line property values', () => {
    const doc = oscalAssessmentResults(oscalEvaluation(oddFindings()));
    const tokens: string[] = [];
    const values: string[] = [];
    JSON.parse(JSON.stringify(doc), (key, value: unknown) => {
      if (['control-id', 'target-id', 'objective-id', 'name'].includes(key)) tokens.push(value as string);
      if (key === 'value') values.push(value as string);
      return value;
    });
    expect(tokens.filter((t) => !TOKEN.test(t))).toEqual([]);
    expect(values.filter((v) => !OSCAL_STRING.test(v))).toEqual([]);
    expect(controlId('3.4')).toBe('req-3.4');
    expect(controlId('  weird:requirement/with spaces ')).toBe('weird-requirement-with_spaces');
  });

  it('refuses an evaluation whose moment is not a date', () => {
    expect(() => oscalAssessmentResults(oscalEvaluation([], { evaluatedAt: 'yesterday' }))).toThrow(
      /evaluatedAt is not a date/,
    );
  });
});
