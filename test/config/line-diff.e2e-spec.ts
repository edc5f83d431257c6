import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { lineDiff } from '@driftwatch/config-state/settings';

const run = promisify(execFile);
const DIFF = '/usr/bin/diff';

/** A small seeded generator: the same pairs on every run, so a failure can be replayed. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

/** How a generated pair looks: file length, share of often-repeated lines, number of edits. */
interface Profile {
  lines: number;
  /** Out of 10: how many lines are one of the few repeated ones (blank, braces, yes/no). */
  repeated: number;
  edits: number;
}
const CONFIG_LIKE: Profile = { lines: 60, repeated: 3, edits: 8 };
const LONG_AND_REPETITIVE: Profile = { lines: 1500, repeated: 8, edits: 150 };

/** Config-like lines, with the repeats real files have (blank lines, braces, common options). */
const COMMON = ['', '}', '{', '    iburst', '#', 'yes', 'no'];

function pair(seed: number, profile: Profile): [string, string] {
  const random = generator(seed);
  let unique = 0;
  const line = (): string =>
    random(10) < profile.repeated ? COMMON[random(COMMON.length)] : `setting_${random(40)} value ${unique++}`;
  const before = Array.from({ length: 5 + random(profile.lines) }, line);
  const after = [...before];
  const edits = 1 + random(profile.edits);
  for (let e = 0; e < edits; e++) {
    const at = random(after.length + 1);
    switch (random(4)) {
      case 0:
        after.splice(at, 1 + random(4));
        break;
      case 1:
        after.splice(at, 0, ...Array.from({ length: 1 + random(4) }, line));
        break;
      case 2:
        after.splice(at, 1 + random(3), ...Array.from({ length: 1 + random(3) }, line));
        break;
      default:
        // Move a block: the case where equally short scripts differ in which lines they keep.
        after.splice(random(after.length + 1), 0, ...after.splice(at, 1 + random(3)));
        break;
    }
  }
  // Now and then a file without its final newline.
  const ending = (): string => (random(6) === 0 ? '' : '\n');
  return [before.join('\n') + ending(), after.join('\n') + (after.length > 0 ? ending() : '')];
}

async function gnuDiff(dir: string, before: string, after: string, context: number): Promise<string> {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  await writeFile(a, before);
  await writeFile(b, after);
  try {
    await run(DIFF, [`-U${context}`, a, b]);
    return '';
  } catch (error) {
    // diff exits 1 when the files differ; its output is then the diff.
    const failed = error as { code?: number; stdout?: string };
    if (failed.code !== 1 || failed.stdout === undefined) throw error;
    return failed.stdout.split('\n').slice(2).join('\n');
  }
}

describe('lineDiff against GNU diff -U', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-line-diff-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Our hunks, and the counts of added and removed lines, for GNU's on the same files. */
  async function compare(seed: number, profile: Profile, context: number): Promise<void> {
    const [before, after] = pair(seed, profile);
    const expected = await gnuDiff(dir, before, after, context);
    const actual = lineDiff(before, after, { context });
    // The seed and context in the compared value name the failing pair.
    expect({ seed, context, text: actual.text }).toEqual({ seed, context, text: expected });
    const lines = expected.split('\n');
    expect(actual.added).toBe(lines.filter((l) => l.startsWith('+')).length);
    expect(actual.removed).toBe(lines.filter((l) => l.startsWith('-')).length);
    expect(actual.truncated).toBe(false);
  }

  it('prints the same hunks as diff -U3 for 300 generated pairs of config-like files', async () => {
    for (let seed = 1; seed <= 300; seed++) await compare(seed, CONFIG_LIKE, 3);
  });

  it('prints the same hunks as diff -U0, -U1 and -U5 (hunk merging and placement follow the context size)', async () => {
    for (const context of [0, 1, 5]) {
      for (let seed = 1000; seed < 1100; seed++) await compare(seed, CONFIG_LIKE, context);
    }
  });

  it('prints the same hunks as diff -U3 for long files full of repeated lines and many edits', async () => {
    for (let seed = 2000; seed < 2025; seed++) await compare(seed, LONG_AND_REPETITIVE, 3);
  });

  it('marks a missing final newline as GNU diff does, on either side', async () => {
    const cases: [string, string][] = [
      ['a\nb\nc', 'a\nb\nc\n'],
      ['a\nb\nc\n', 'a\nb\nc'],
      ['a\nb\nc', 'a\nb\nd'],
      ['a\nb\nc', 'x\nb\nc'],
      ['', 'a\nb'],
      ['a\nb', ''],
    ];
    for (const [before, after] of cases) {
      expect(lineDiff(before, after).text).toBe(await gnuDiff(dir, before, after, 3));
    }
  });
});
