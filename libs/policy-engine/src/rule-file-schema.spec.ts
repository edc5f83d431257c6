import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RULE_FILE_SCHEMA } from '@driftwatch/policy-engine';

describe('RULE_FILE_SCHEMA', () => {
  it('is the same schema as the published policies/schema/rule.schema.json', () => {
    const published: unknown = JSON.parse(
      readFileSync(resolve(__dirname, '..', '..', '..', 'policies', 'schema', 'rule.schema.json'), 'utf8'),
    );
    expect(RULE_FILE_SCHEMA).toEqual(published);
  });
});
