import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { TextDecoder } from 'node:util';

import { PolicyError } from './policy-error';
import type { PolicyFile } from './parse-policy-pack';

/*
 * The limits of a pack's files, one set for a policy folder (CLI, server boot) and for
 * PUT /api/v1/policies, so that a pack `policy lint` passes is one the API accepts.
 */

/** The largest rule file, in bytes (UTF-8), from a folder or through the API. */
export const POLICY_FILE_MAX_BYTES = 256 * 1024;
/** The most rule files one pack may hold. */
export const POLICY_MAX_FILES = 500;
/** A safe relative file name: folders allowed, no "..", no hidden files, a rule file extension. */
export const POLICY_FILE_PATH =
  /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.(ya?ml|json)$/i;
export const POLICY_FILE_PATH_MAX_LENGTH = 255;

const RULE_FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Why a rule file's path (relative to the pack, "/" between folders) is refused, or undefined. */
export function ruleFilePathProblem(path: string): string | undefined {
  if (path.length <= POLICY_FILE_PATH_MAX_LENGTH && POLICY_FILE_PATH.test(path)) return undefined;
  return `must be a relative file name of at most ${POLICY_FILE_PATH_MAX_LENGTH} characters (letters, digits, _ . -, folders with /) ending .yaml, .yml or .json`;
}

/** Why a rule file of `bytes` bytes (UTF-8) is refused, or undefined. */
export function ruleFileSizeProblem(bytes: number): string | undefined {
  // Parsing and compiling cost grows faster than a file's size: a 7 MB enum never finished.
  if (bytes <= POLICY_FILE_MAX_BYTES) return undefined;
  return `has ${bytes} bytes, more than the ${POLICY_FILE_MAX_BYTES} a rule file may have`;
}

/**
 * The rule files of a policy folder and its subfolders: .yaml, .yml and .json names, relative to
 * `dir` with "/" between folders (as PUT /api/v1/policies takes them), sorted. Symlinks are
 * followed; hidden entries are skipped, as the API refuses hidden paths. That also reads a
 * Kubernetes ConfigMap mount once: its `name -> ..data/name` links are read, the `..data` folder
 * they point into is not. An unreadable or empty folder, an entry that cannot be followed (a
 * dangling symlink) or too many files is a PolicyError: an empty or partial pack would evaluate
 * to fewer findings, which reads as compliant.
 */
export function listRuleFiles(dir: string): string[] {
  let root: string;
  try {
    root = realpathSync(dir);
    if (!statSync(root).isDirectory()) throw new Error('not a folder');
  } catch (error: unknown) {
    throw new PolicyError(
      { file: dir, pointer: '', reason: `cannot read the policy folder (${String(error)})` },
      { cause: error },
    );
  }
  const paths: string[] = [];
  collectRuleFiles(dir, '', new Set([root]), paths);
  if (paths.length === 0) {
    throw new PolicyError({
      file: dir,
      pointer: '',
      reason: 'the policy folder holds no .yaml, .yml or .json rule files',
    });
  }
  return paths.sort();
}

function collectRuleFiles(
  dir: string,
  folder: string,
  ancestors: ReadonlySet<string>,
  paths: string[],
): void {
  const here = join(dir, folder);
  let names: string[];
  try {
    names = readdirSync(here).sort();
  } catch (error: unknown) {
    throw new PolicyError(
      { file: here, pointer: '', reason: `cannot read the folder (${String(error)})` },
      { cause: error },
    );
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = folder === '' ? name : `${folder}/${name}`;
    const full = join(dir, path);
    let stats: Stats;
    try {
      stats = statSync(full);
    } catch (error: unknown) {
      const what = isSymlink(full) ? 'a symlink whose target cannot be read' : 'cannot be read';
      throw new PolicyError(
        { file: full, pointer: '', reason: `${what} (${String(error)})` },
        { cause: error },
      );
    }
    const isRuleName = RULE_FILE_EXTENSIONS.has(extname(name).toLowerCase());
    if (stats.isDirectory()) {
      const real = realpathSync(full);
      // A symlink to a folder above would list the same files forever.
      if (ancestors.has(real))
        throw new PolicyError({ file: full, pointer: '', reason: 'links back to a folder that holds it' });
      collectRuleFiles(dir, path, new Set([...ancestors, real]), paths);
    } else if (isRuleName) {
      if (!stats.isFile())
        throw new PolicyError({ file: full, pointer: '', reason: 'is not a regular file' });
      paths.push(path);
      if (paths.length > POLICY_MAX_FILES) {
        throw new PolicyError({
          file: dir,
          pointer: '',
          reason: `the policy folder holds more than the ${POLICY_MAX_FILES} rule files a pack may have`,
        });
      }
    }
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

// Strict: a byte that is not UTF-8 would otherwise become U+FFFD, a rule the author did not write.
// The BOM is kept, as the API keeps what it is sent, so the sizes agree.
const strictUtf8 = (): TextDecoder => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of the rule file `path` (relative, from listRuleFiles) of the folder `dir`, refused as
 * the API refuses a file sent to it: a bad name or more than POLICY_FILE_MAX_BYTES; and refused
 * when it is not UTF-8. A PolicyError names `join(dir, path)`.
 */
export function readRuleFile(dir: string, path: string): string {
  const full = join(dir, path);
  const refuse = (reason: string, position: { line?: number; column?: number } = {}): PolicyError =>
    new PolicyError({ file: full, pointer: '', reason, ...position });
  const badPath = ruleFilePathProblem(path);
  if (badPath) throw refuse(`the path ${JSON.stringify(path)} ${badPath}`);
  let bytes: Buffer;
  try {
    const tooBig = ruleFileSizeProblem(statSync(full).size);
    if (tooBig) throw refuse(`the file ${tooBig}`);
    bytes = readFileSync(full);
  } catch (error: unknown) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError(
      { file: full, pointer: '', reason: `cannot read the file (${String(error)})` },
      { cause: error },
    );
  }
  // Checked again on what was read: the file may have grown since the stat.
  const tooBig = ruleFileSizeProblem(bytes.length);
  if (tooBig) throw refuse(`the file ${tooBig}`);
  try {
    return strictUtf8().decode(bytes);
  } catch {
    throw refuse('the file is not UTF-8 text', firstInvalidUtf8(bytes));
  }
}

/** Every rule file of a folder, as readRuleFile reads it, paths relative: what the server stores at boot. */
export function readRuleFiles(dir: string): PolicyFile[] {
  return listRuleFiles(dir).map((path) => ({ path, text: readRuleFile(dir, path) }));
}

/** The line and column (1-based, in characters) where `bytes` stop being UTF-8. */
function firstInvalidUtf8(bytes: Buffer): { line: number; column: number } {
  // A streaming decode of a prefix throws only when the prefix itself holds an invalid sequence
  // (an incomplete one at its end waits for more), so the shortest throwing prefix is found by
  // bisection; its last byte is where the text goes wrong.
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    try {
      strictUtf8().decode(bytes.subarray(0, middle), { stream: true });
      good = middle;
    } catch {
      bad = middle;
    }
  }
  // lastIndexOf counts a negative offset from the end.
  const lineStart = good === 0 ? 0 : bytes.lastIndexOf(0x0a, good - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  const before = strictUtf8().decode(bytes.subarray(lineStart, good), { stream: true });
  return { line, column: [...before].length + 1 };
}
