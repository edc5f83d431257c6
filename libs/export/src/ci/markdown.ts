import { SEVERITIES, type GateFinding, type GateResult } from '@driftwatch/core';

import { flatText } from './flat-text';
import { byFinding } from './gate-rules';

export interface GateMarkdownOptions {
  /** Blocking findings listed at most (default 50); the rest are counted ("and N more"). */
  maxRows?: number;
  /** Absolute base (e.g. the API's public URL) that relative evidence URLs are resolved against. */
  baseUrl?: string;
}

export const GATE_MARKDOWN_MAX_ROWS = 50;
/** A cell longer than this is cut (GitHub refuses comments over 65,536 characters). */
const MAX_CELL = 300;

/**
 * A pull-request comment of a gate judgement (GitHub-flavoured Markdown): the verdict and its
 * reasons, the judgement's settings, counts by severity and a table of the blocking findings.
 * Every text that comes from a finding, a rule, a scope or a policy is escaped: it cannot close a
 * table cell, open a code span, write HTML, link, autolink or mention anyone. Pure, deterministic.
 */
export function gateMarkdown(result: GateResult, options: GateMarkdownOptions = {}): string {
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? GATE_MARKDOWN_MAX_ROWS));
  const passed = result.verdict === 'pass';
  const lines: string[] = [
    `### ${passed ? '✅' : '❌'} Driftwatch gate ${passed ? 'passed' : 'failed'}: ${markdownInline(result.scope.name)}`,
    '',
  ];
  if (!passed) {
    lines.push(...result.reasons.map((r) => `- ${markdownInline(r)}`), '');
  }
  if (result.dryRun) lines.push('_Dry run: the candidate was judged, nothing was stored._', '');

  const nonBlocking = result.findings.length - result.blocking.length;
  lines.push(
    `**Scope** ${markdownInline(result.scope.name)} · **mode** ${result.mode} · **fail on** ${result.failOn} and above · ` +
      `**policy** ${markdownInline(result.policy.name)} ${markdownInline(shortVersion(result.policy.version))} · ` +
      `**baseline** ${result.baseline ? markdownInline(day(result.baseline.takenAt)) : 'none'} · ` +
      `**snapshot** ${snapshotText(result)}`,
    '',
    '| Severity | Failing | Blocking |',
    '| --- | ---: | ---: |',
    ...SEVERITIES.map(
      (s) => `| ${s} | ${result.counts[s]} | ${result.blocking.filter((f) => f.severity === s).length} |`,
    ),
    `| **total** | **${result.findings.length}** | **${result.blocking.length}** |`,
    '',
  );
  const notes: string[] = [];
  if (nonBlocking > 0) {
    notes.push(
      `${nonBlocking} failing finding${nonBlocking === 1 ? '' : 's'} ${nonBlocking === 1 ? 'does' : 'do'} not block ` +
        `(below ${result.failOn}${result.mode === 'new' ? ', or already failing at the baseline' : ''}).`,
    );
  }
  if (result.excepted > 0) {
    notes.push(
      `${result.excepted} failing finding${result.excepted === 1 ? ' is' : 's are'} under a waiver.`,
    );
  }
  if (notes.length > 0) lines.push(notes.join(' '), '');

  if (result.blocking.length > 0) {
    const shown = [...result.blocking].sort(byFinding).slice(0, maxRows);
    lines.push(
      '#### Blocking findings',
      '',
      '| Severity | Requirements | Rule | Asset / subject | Message | Evidence |',
      '| --- | --- | --- | --- | --- | --- |',
      ...shown.map((f) => findingRow(f, options.baseUrl)),
    );
    const more = result.blocking.length - shown.length;
    if (more > 0) lines.push('', `…and ${more} more blocking finding${more === 1 ? '' : 's'}.`);
    lines.push('');
  }
  return lines.join('\n');
}

function findingRow(f: GateFinding, baseUrl: string | undefined): string {
  const cells = [
    f.severity,
    f.requirements.length === 0 ? '—' : markdownInline(f.requirements.join(', ')),
    markdownInline(f.title || f.ruleId),
    `${markdownInline(f.asset)} / ${markdownInline(f.subject)}`,
    markdownInline(f.message),
    evidenceLink(f.evidenceUrl, baseUrl),
  ];
  return `| ${cells.join(' | ')} |`;
}

function evidenceLink(evidenceUrl: string | undefined, baseUrl: string | undefined): string {
  if (!evidenceUrl) return '—';
  let url: URL | null = null;
  try {
    url = baseUrl === undefined ? new URL(evidenceUrl) : new URL(evidenceUrl, baseUrl);
  } catch {
    url = null;
  }
  // Only http(s) becomes a link; anything else (a relative route without baseUrl) is shown as text.
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    return markdownInline(evidenceUrl);
  // URL.href is percent-encoded (no spaces, quotes or angle brackets); parentheses and the
  // table's pipe are encoded too, so the destination cannot end early or split the row.
  const href = url.href.replace(/[()|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[evidence](${href})`;
}

/**
 * Untrusted text as inline Markdown that renders as the same text: one line, no HTML, no code
 * span, no emphasis, link or image, no table cell break, no @mention, no autolink, and cut at
 * MAX_CELL characters.
 */
export function markdownInline(text: string): string {
  // Control characters (tab included) would only confuse the renderer; bidirectional overrides
  // can make text read other than it is.
  const flat = flatText(text);
  const cut = [...flat].length > MAX_CELL ? `${[...flat].slice(0, MAX_CELL - 1).join('')}…` : flat;
  return (
    cut
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Backslash-escape the characters that mean something inline: code spans, emphasis,
      // strikethrough, links and images ([ and ], so "(" and "!" are harmless), a heading's
      // closing #, and the table's | (GFM honours \| even inside code spans). Block markers
      // (- + . > at a line's start) need nothing: this text never starts a line.
      .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
      // A zero-width space after @ stops a mention (and a team ping, an e-mail autolink); one
      // inside "://" and "www." stops the URL autolinks.
      .replace(/@/g, '@\u200b')
      .replace(/:\/\//g, ':\u200b//')
      .replace(/(w)(ww\.)/gi, '$1\u200b$2')
  );
}

function shortVersion(version: string): string {
  const v = version.trim();
  return /^[0-9a-f]{16,}$/i.test(v) ? v.slice(0, 12) : v;
}

function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T/.test(iso) ? iso.slice(0, 10) : iso;
}

function snapshotText(result: GateResult): string {
  if (result.snapshot === null) return 'none';
  const age = `${duration(result.snapshot.ageSeconds)} old`;
  return result.snapshot.stale ? `${age} (**stale**)` : age;
}

/** A short, human age: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
