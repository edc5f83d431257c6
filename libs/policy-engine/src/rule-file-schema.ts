/**
 * The rule-file schema, embedded so the library works inside bundled apps. The published copy
 * is policies/schema/rule.schema.json (for editors and rule authors); a spec keeps both equal.
 */
export const RULE_FILE_SCHEMA: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Driftwatch policy rule',
  description:
    'One rule per file. The rule fails for a subject when `when` (a JSON Schema, draft-07, ajv strict mode with $data) validates the subject.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'requirements', 'severity', 'subject', 'when', 'message', 'fixtures'],
  properties: {
    id: {
      description:
        "Unique within a pack; part of every finding's identity, so never reuse one for a different check.",
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9.-]*$',
      maxLength: 128,
    },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    requirements: {
      description: 'Requirement ids this rule evidences, e.g. "PCI DSS v4.0.1 1.2.6".',
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 100 },
    },
    severity: { enum: ['critical', 'high', 'medium', 'low', 'info'] },
    subject: {
      description: "port: every port in state 'open' on a host whose status is 'up'.",
      enum: ['port'],
    },
    when: {
      description:
        'JSON Schema (draft-07) over the subject; matching means the rule fails. Strict mode: give `type` wherever `properties`, `required` or `items` are used.',
      type: 'object',
    },
    message: {
      description:
        "Finding message; {{dot.path}} is replaced by the subject's value at that path, or 'unknown'.",
      type: 'string',
      minLength: 1,
      maxLength: 500,
    },
    remediation: { type: 'string', minLength: 1 },
    fixtures: {
      description:
        'Subjects the rule must fail (`fail`) and must pass (`pass`); checked every time the pack is compiled.',
      type: 'object',
      additionalProperties: false,
      required: ['pass', 'fail'],
      properties: {
        pass: { type: 'array', minItems: 1, items: { $ref: '#/definitions/portSubject' } },
        fail: { type: 'array', minItems: 1, items: { $ref: '#/definitions/portSubject' } },
      },
    },
  },
  definitions: {
    portSubject: {
      description:
        "A port subject. Omitted parts are filled in: address 192.0.2.10, port.state open, scope { id: fixture, approvedPorts: [] }, and an 'up' host holding the port.",
      type: 'object',
      additionalProperties: false,
      required: ['port'],
      properties: {
        address: { type: 'string', minLength: 1 },
        host: { type: 'object' },
        scope: {
          type: 'object',
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            approvedPorts: { type: 'array', items: { $ref: '#/definitions/portNumber' } },
          },
        },
        port: {
          type: 'object',
          additionalProperties: false,
          required: ['protocol', 'port'],
          properties: {
            protocol: { enum: ['tcp', 'udp', 'sctp', 'ip'] },
            port: { $ref: '#/definitions/portNumber' },
            state: { enum: ['open', 'closed', 'filtered', 'unfiltered', 'open|filtered', 'closed|filtered'] },
            reason: { type: 'string' },
            scripts: { type: 'array' },
            service: {
              type: 'object',
              additionalProperties: false,
              properties: {
                name: { type: 'string' },
                product: { type: 'string' },
                version: { type: 'string' },
                extraInfo: { type: 'string' },
                tunnel: { type: 'string' },
                method: { type: 'string' },
                confidence: { type: 'integer' },
                osType: { type: 'string' },
                hostname: { type: 'string' },
                deviceType: { type: 'string' },
                cpe: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    portNumber: { type: 'integer', minimum: 0, maximum: 65535 },
  },
};
