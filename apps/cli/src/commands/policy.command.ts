import { parseArgs } from 'node:util';

import { testPolicy } from '@driftwatch/policy-engine';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { formatPolicyProblem, lintPolicyDir } from './policy-files';

export const POLICY_USAGE = `driftwatch policy lint DIR [--format text|json]
driftwatch policy test DIR [--format text|json]`;

export const POLICY_HELP = `usage:
${POLICY_USAGE}

lint: every rule file in DIR parses, matches the rule schema and compiles (file, line and reason
for each problem). test: lint, then every rule's pass/fail fixtures, as \`opa test\` runs a policy's
tests. Needs no server.
Exit 0 ok, 1 problems or failed fixtures, 2 usage error.

options:
  --format text|json      (default text)
  -h, --help              print this help`;

const FORMATS = ['text', 'json'] as const;

/**
 * `policy lint DIR`: every rule file parses, matches the rule schema and compiles (exit 0 clean,
 * 1 problems). `policy test DIR`: lint, then every rule's fixtures, as `opa test` runs a
 * policy's tests (exit 0 all pass, 1 any fails). Usage errors exit 2.
 */
export function policyCommand(args: string[], out: (s: string) => void): number {
  const [sub, ...rest] = args;
  if (sub !== 'lint' && sub !== 'test')
    throw new CliUsageError(`policy: give lint or test\nusage:\n${POLICY_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { format: { type: 'string', default: 'text' } },
    allowPositionals: true,
    strict: true,
  });
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format))
    throw new CliUsageError(
      `policy ${sub}: --format must be text or json, not ${JSON.stringify(values.format)}`,
    );
  const [dir] = positionals;
  if (positionals.length !== 1 || dir === undefined)
    throw new CliUsageError(`policy ${sub}: give exactly one policy folder\nusage:\n${POLICY_USAGE}`);

  const report = lintPolicyDir(dir);
  if (!report.policy) {
    if (format === 'json') {
      out(
        JSON.stringify(
          { ok: false, files: report.files, problems: report.problems.map((p) => p.details) },
          null,
          2,
        ),
      );
    } else {
      for (const problem of report.problems) out(formatPolicyProblem(problem));
      out(`${report.problems.length} of ${report.files} rule files have problems`);
    }
    return 1;
  }
  const { policy } = report;
  if (sub === 'lint') {
    if (format === 'json')
      out(
        JSON.stringify(
          { ok: true, files: report.files, rules: policy.ruleCount, version: policy.version },
          null,
          2,
        ),
      );
    else out(`${dir}: ${policy.ruleCount} rules, no problems (version ${policy.version})`);
    return 0;
  }
  const outcomes = testPolicy(policy);
  const failed = outcomes.filter((o) => !o.ok);
  if (format === 'json') {
    out(
      JSON.stringify(
        {
          ok: failed.length === 0,
          version: policy.version,
          passed: outcomes.length - failed.length,
          failed: failed.length,
          outcomes,
        },
        null,
        2,
      ),
    );
  } else {
    for (const o of failed) out(`FAIL: ${o.source}: ${o.ruleId}: ${o.problem ?? ''}`);
    out('-'.repeat(60));
    out(`PASS: ${outcomes.length - failed.length}/${outcomes.length} fixtures of ${policy.ruleCount} rules`);
    if (failed.length > 0) out(`FAIL: ${failed.length}/${outcomes.length}`);
  }
  return failed.length === 0 ? 0 : 1;
}
