import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

import type { GateResult } from '@driftwatch/core';
import { gateSarif, SARIF_VERSION } from '@driftwatch/export';
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
import { assertCorpusPresent, SCHEMAS_DIR } from '@driftwatch/test/corpus';

// OASIS's published schema, read in place from ../shared and never copied into the project.
const SCHEMA = path.join(SCHEMAS_DIR, `sarif-${SARIF_VERSION}.schema.json`);

describe(`SARIF ${SARIF_VERSION} gate report against the OASIS JSON schema`, () => {
  let validate: ValidateFunction;

  beforeAll(() => {
    assertCorpusPresent(SCHEMAS_DIR);
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as { $schema: string };
    // The schema is JSON Schema draft-04 (it names itself with "id"), which ajv's default class
    // does not read; ajv-draft-04 is ajv's own class for it. Formats (uri, uri-reference,
    // date-time) are checked.
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    const ajv = new Ajv04({ allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
  });

  const cases: [string, () => GateResult][] = [
    ['a passing gate with no finding', passingGate],
    ['a failing gate with blocking, non-blocking and waived findings', failingGate],
    ['mode new with a baseline', newModeGate],
    ['a failing gate with no snapshot', noSnapshotGate],
    ['hostile text, an IPv6 asset, odd subjects and a rule missing from the policy', hostileGate],
    ['300 findings', () => manyFindingsGate(300)],
    [
      'no baseline and a finding without optional fields',
      () =>
        gate(
          [
            gateFinding('pci.4.2.1.weak-tls', 'db.internal', 'tls', {
              id: undefined,
              evidenceUrl: undefined,
              port: null,
              protocol: null,
              remediation: null,
              newSinceBaseline: null,
            }),
          ],
          { baseline: null, mode: 'new', dryRun: true },
        ),
    ],
  ];

  it.each(cases)('validates %s', (_name, make) => {
    const log = gateSarif(make(), { toolVersion: '0.1.0', informationUri: 'https://driftwatch.example/' });
    const valid = validate(JSON.parse(JSON.stringify(log)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a document that breaks the schema, so the check above has teeth', () => {
    const broken = JSON.parse(JSON.stringify(gateSarif(failingGate()))) as {
      runs: {
        results: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
      }[];
    };
    broken.runs[0].results[0].level = 'fatal';
    expect(validate(broken)).toBe(false);
    const zeroLine = JSON.parse(JSON.stringify(gateSarif(failingGate()))) as typeof broken;
    zeroLine.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    expect(validate(zeroLine)).toBe(false);
    const badUri = JSON.parse(JSON.stringify(gateSarif(failingGate()))) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    badUri.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'driftwatch/a b/<c>';
    expect(validate(badUri)).toBe(false);
  });
});
