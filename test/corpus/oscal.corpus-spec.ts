import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import { oscalAssessmentResults, OSCAL_VERSION } from '@driftwatch/export';
import { oddFindings, oscalEvaluation, oscalFinding } from '@driftwatch/export/oscal/testing/oscal-inputs';
import { assertCorpusPresent, SCHEMAS_DIR } from '@driftwatch/test/corpus';

// NIST's published schema, read in place from ../shared and never copied into the project.
const SCHEMA = path.join(SCHEMAS_DIR, `oscal-${OSCAL_VERSION}-assessment-results.schema.json`);

describe(`OSCAL ${OSCAL_VERSION} assessment-results export against NIST's published JSON schema`, () => {
  let validate: ValidateFunction;

  beforeAll(() => {
    assertCorpusPresent(SCHEMAS_DIR);
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as { $schema: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // strict: false because NIST's schema uses keywords ajv's strict mode rejects; formats on.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
  });

  const cases: [string, ReturnType<typeof oscalEvaluation>][] = [
    ['an evaluation with no failing finding', oscalEvaluation([])],
    [
      'an evaluation with many findings',
      oscalEvaluation(Array.from({ length: 250 }, (_, n) => oscalFinding(n))),
    ],
    ['findings with odd characters, empty text and no requirement', oscalEvaluation(oddFindings())],
    [
      'a policy with no requirement at all and odd scope and policy names',
      {
        ...oscalEvaluation([], {
          scope: { id: 'scope with spaces', name: '  "CDE" <prod>\n' },
          policy: { name: 'pack\tname', version: ' v 1 \n' },
          evaluatedAt: '2026-03-31T13:00:00+02:00',
        }),
        rules: [],
      },
    ],
  ];

  it.each(cases)('validates %s', (_name, input) => {
    const document = oscalAssessmentResults(input);
    const valid = validate(JSON.parse(JSON.stringify(document)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a document that breaks the schema, so the check above has teeth', () => {
    const document = oscalAssessmentResults(oscalEvaluation([oscalFinding(2)]));
    const broken = JSON.parse(JSON.stringify(document)) as {
      'assessment-results': { results: { findings: { target: { 'target-id': string } }[] }[] };
    };
    broken['assessment-results'].results[0].findings[0].target['target-id'] = 'PCI DSS v4.0.1 2.2.7';
    expect(validate(broken)).toBe(false);
  });
});
