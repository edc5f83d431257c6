import { lineDiff } from './line-diff';

const lines = (n: number, prefix = 'line'): string =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');

describe('lineDiff', () => {
  it('returns an empty diff for equal texts', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toEqual({ text: '', added: 0, removed: 0, truncated: false });
    expect(lineDiff('', '')).toEqual({ text: '', added: 0, removed: 0, truncated: false });
  });

  it('shows a changed line with three lines of context and a unified hunk header', () => {
    const before = lines(10);
    const after = before.replace('line 5\n', 'line five\n');
    expect(lineDiff(before, after)).toEqual({
      text: '@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n',
      added: 1,
      removed: 1,
      truncated: false,
    });
  });

  it('merges changes whose contexts meet into one hunk and splits those further apart', () => {
    const before = lines(30);
    const near = before.replace('line 5\n', 'x\n').replace('line 11\n', 'y\n');
    expect(lineDiff(before, near).text.match(/^@@/gm)).toHaveLength(1);
    const far = before.replace('line 5\n', 'x\n').replace('line 13\n', 'y\n');
    expect(lineDiff(before, far).text.match(/^@@/gm)).toHaveLength(2);
  });

  it('honours the context option, including none', () => {
    const before = lines(10);
    const after = before.replace('line 5\n', '');
    expect(lineDiff(before, after, { context: 0 }).text).toBe('@@ -5 +4,0 @@\n-line 5\n');
    expect(lineDiff(before, after, { context: 1 }).text).toBe('@@ -4,3 +4,2 @@\n line 4\n-line 5\n line 6\n');
  });

  it('names the line before an empty range, as GNU diff does for insertions into an empty file', () => {
    expect(lineDiff('', 'a\nb\n').text).toBe('@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(lineDiff('a\n', '').text).toBe('@@ -1 +0,0 @@\n-a\n');
  });

  it('treats a missing final newline as a change and marks it after the line', () => {
    expect(lineDiff('a\nb', 'a\nb\n').text).toBe(
      '@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n',
    );
    expect(lineDiff('a\nb', 'x\nb').text).toBe('@@ -1,2 +1,2 @@\n-a\n+x\n b\n\\ No newline at end of file\n');
  });

  it('finds the shortest edit script: a moved line costs one deletion and one insertion', () => {
    const before = lines(20);
    const after = before.replace('line 3\n', '').replace('line 15\n', 'line 15\nline 3\n');
    const diff = lineDiff(before, after);
    expect([diff.added, diff.removed]).toEqual([1, 1]);
  });

  it('falls back to one coarse change past the edit-distance limit and says so', () => {
    const before = lines(200, 'old');
    const after = lines(200, 'new');
    const diff = lineDiff(`head\n${before}tail\n`, `head\n${after}tail\n`, { maxEditDistance: 100 });
    expect(diff.truncated).toBe(true);
    expect([diff.added, diff.removed]).toEqual([200, 200]);
    expect(diff.text.startsWith('@@ -1,202 +1,202 @@\n head\n-old 1\n')).toBe(true);
    expect(lineDiff(before, after, { maxEditDistance: 400 }).truncated).toBe(false);
  });

  it('counts lines of interleaved edits exactly within the limit', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `${i}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `changed ${i}` : `${i}`)).join('\n');
    const diff = lineDiff(before, after);
    expect(diff).toMatchObject({ added: 1000, removed: 1000, truncated: false });
  });
});
