import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { removeStaleReport, writeReportFile } from './report-file';

describe('gate --output file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an earlier report whole and leaves nothing beside it', () => {
    const file = join(dir, 'gate.sarif');
    writeFileSync(file, 'an earlier, longer report\n');
    writeReportFile(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['gate.sarif']);
  });

  it('leaves no partial file when the report cannot be written', () => {
    const file = join(dir, 'missing-dir', 'gate.sarif');
    expect(() => writeReportFile(file, 'x\n')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes an earlier report, and is quiet when there is none', () => {
    const file = join(dir, 'gate.sarif');
    writeFileSync(file, 'stale\n');
    expect(removeStaleReport(file)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    expect(removeStaleReport(file)).toBeUndefined();
  });

  it('never removes or renames over what is not a regular file (a device, a directory)', () => {
    writeReportFile('/dev/null', 'report\n');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(removeStaleReport('/dev/null')).toBeUndefined();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const sub = join(dir, 'reports');
    mkdirSync(sub);
    expect(removeStaleReport(sub)).toBeUndefined();
    expect(statSync(sub).isDirectory()).toBe(true);
  });
});
