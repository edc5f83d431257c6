import { Client } from 'pg';

import { requireBuiltCli, runCli } from '@driftwatch/test/cli';
import { createTestEnvironment, type TestEnvironment } from '@driftwatch/test/test-app';

/** The built CLI (`npm run -s cli -- ...`, `driftwatch ...`) against a real database. */
describe('driftwatch CLI', () => {
  let env: TestEnvironment;
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    requireBuiltCli();
    env = await createTestEnvironment();
    cliEnv = { PATH: process.env.PATH, DATABASE_URL: env.db.url, REDIS_URL: env.config.redis.url };
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  const cli = (...args: string[]) => runCli(args, { env: cliEnv });

  it('migrate reports the schema up to date on a migrated database', async () => {
    const { code, stdout } = await cli('migrate');
    expect(code).toBe(0);
    expect(stdout).toMatch(/up to date/);
  });

  it('creates, lists and revokes API keys; the secret is shown once', async () => {
    const created = await cli('api-keys', 'create', '--name', 'ci-pipeline', '--role', 'ci', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; secret: string; role: string };
    expect(key.role).toBe('ci');
    expect(key.secret).toMatch(/^dw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    const listed = await cli('api-keys', 'list', '--json');
    expect(listed.stdout).not.toContain(key.secret.slice('dw_0123456789abcdef_'.length));
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: key.id, name: 'ci-pipeline', revokedAt: null }),
    ]);

    const revoked = await cli('api-keys', 'revoke', key.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`revoked ${key.id}`));
  });

  it.each([
    ['a line break and an escape sequence', 'evil\nname\x1b[31m', '"evil\\nname\\u001b[31m"'],
    ['300 characters', 'a'.repeat(300), `"${'a'.repeat(120)}"... (300 characters)`],
    ['spaces only', '   ', '"   "'],
  ])(
    'refuses to create a key whose name has %s, with exit 2 and the rule, storing nothing',
    async (_case, name, shown) => {
      const before = await cli('api-keys', 'list', '--json');
      const result = await cli('api-keys', 'create', '--name', name, '--role', 'ci');
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe(
        `driftwatch: api-keys create: --name ${shown} must be 1-100 characters: letters, digits, space and _ . : @ -, starting with a letter or digit\n`,
      );
      expect((await cli('api-keys', 'list', '--json')).stdout).toBe(before.stdout);
    },
  );

  it('lists and revokes a key named with control characters before names were checked, escaping them', async () => {
    const db = new Client({ connectionString: env.db.url });
    await db.connect();
    let id: string;
    try {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO api_keys (name, prefix, secret_hash, role, created_at)
         VALUES ($1, '00000000000000aa', repeat('0', 64), 'ci', now()) RETURNING id`,
        ['old\nname\x1b[31m\u202e'],
      );
      id = rows[0]?.id ?? '';
    } finally {
      await db.end();
    }
    const listed = await cli('api-keys', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${id}  ci       active   old\\u000aname\\u001b[31m\\u202e\n`);
    expect(listed.stdout.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    const revoked = await cli('api-keys', 'revoke', id);
    expect(revoked.stdout).toMatch(
      new RegExp(`^revoked ${id} \\(old\\\\u000aname\\\\u001b\\[31m\\\\u202e\\) at `),
    );
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [
      ['api-keys', 'create', '--name', 'x', '--role', 'root'],
      /--role must be one of admin, analyst, auditor, ci, scanner/,
    ],
    [['api-keys', 'create', '--role', 'ci'], /--name is required/],
    [['api-keys', 'revoke', 'not-a-uuid'], /exactly one key id/],
    [['api-keys', 'list', '--bogus'], /Unknown option '--bogus'/],
    [['migrate', 'extra'], /takes no arguments/],
  ])('refuses %j with a message and exit code 2', async (args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  // With no environment at all: help needs no configuration, database or server.
  it.each([
    [
      ['gate', '--help'],
      'driftwatch gate --api URL',
      /--timeout SECONDS +how long to wait for the API, in seconds \(default 30\)/,
    ],
    [
      ['evaluate', '-h'],
      'driftwatch evaluate --nmap-xml FILE',
      /--approved-ports PORTS +ports with an approved/,
    ],
    [['diff', '--help'], 'driftwatch diff OLD.xml NEW.xml', /--format text\|json/],
    [['collect', '--help'], 'driftwatch collect --kind KIND', /--from-host +run the documented command/],
    [['collect', 'pan-scan', '--help'], 'driftwatch collect pan-scan --path DIR', /--max-file-size BYTES/],
    [['policy', 'lint', '--help'], 'driftwatch policy lint DIR', /--format text\|json/],
    [['policy', '-h'], 'driftwatch policy test DIR', /--format text\|json/],
    [['audit', 'verify', '--help'], 'driftwatch audit verify --api URL', /--anchor-file FILE +the head/],
    [['audit', '--help'], 'driftwatch audit verify --api URL', /--anchor-file FILE/],
    [['api-keys', '--help'], 'driftwatch api-keys create --name NAME', /--role ROLE +create: admin, analyst/],
    [['api-keys', 'create', '--role', 'ci', '-h'], 'driftwatch api-keys list', /--json/],
    [['migrate', '--help'], 'driftwatch migrate', /Applies pending database migrations/],
  ])("%j prints that command's usage and options and exits 0", async (args, synopsis, option) => {
    const result = await runCli(args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage:/);
    expect(result.stdout).toContain(synopsis);
    expect(result.stdout).toMatch(option);
    expect(result.stdout).toMatch(/^ {2}-h, --help +print this help$/m);
  });

  it('takes --help after -- as an argument, not as a request for help', async () => {
    const result = await runCli(['diff', '--', '--help', 'new.xml']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^driftwatch: cannot read (--help|new\.xml): ENOENT/);
  });

  it('refuses to run with invalid configuration, naming the variable', async () => {
    const saved = cliEnv;
    cliEnv = { ...saved, DATABASE_URL: 'mysql://nope' };
    const { code, stderr } = await cli('migrate');
    cliEnv = saved;
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL/);
  });
});
