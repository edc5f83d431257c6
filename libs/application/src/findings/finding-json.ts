import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import type { RawFindingRow } from '@driftwatch/persistence';

import { baselineSummary } from './finding.dto';

const text = (value: string): string => JSON.stringify(value);
const textOrNull = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

// "2026-08-25 06:39:14.610123", PostgreSQL's ISO output of a UTC timestamp without zone.
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;

/** A UTC timestamp's text as Date#toISOString writes it: milliseconds, truncated as the driver's Date is. */
export function isoFromUtcText(value: string): string {
  const match = UTC_TIMESTAMP.exec(value);
  if (!match) {
    // Years past 9999 or BC, or another DateStyle: nothing Driftwatch writes, so a stored
    // row that reads so is refused rather than shown with a wrong date.
    throw new DriftwatchError(ErrorCode.Internal, `unexpected timestamp text from the database: ${value}`);
  }
  const [, day, time, fraction = ''] = match as unknown as [string, string, string, string | undefined];
  return `${day}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}Z`;
}

/**
 * A listed finding as the JSON text of mapFinding's FindingResponseDto — the same members in the
 * same order — written straight from PostgreSQL's text (FindingRepository.listRaw). The list
 * route's rows thus cost a few string joins rather than dates, arrays, objects and a
 * JSON.stringify of each; finding-json.spec and an integration test hold the two forms equal.
 */
export function findingJson(row: RawFindingRow): string {
  const iso = isoFromUtcText;
  let baseline = 'null';
  let newSinceBaseline = 'null';
  if (row.baselineId !== null && row.baselineTakenAt !== null) {
    const known = row.baselineKnown === 't';
    const summary = baselineSummary(
      known,
      row.baselineTakenAt.slice(0, 10),
      row.firstSeenAt.slice(0, 10),
      row.message,
    );
    baseline =
      `{"id":${text(row.baselineId)},"takenAt":"${iso(row.baselineTakenAt)}",` +
      `"status":"${known ? 'known' : 'new'}","summary":${text(summary)}}`;
    newSinceBaseline = known ? 'false' : 'true';
  }
  const waiver =
    row.waiverId !== null && row.waiverExpiresAt !== null
      ? `{"id":${text(row.waiverId)},"approver":${text(row.waiverApprover ?? '')},` +
        `"justification":${text(row.waiverJustification ?? '')},"expiresAt":"${iso(row.waiverExpiresAt)}"}`
      : 'null';
  const firstSeenAt = iso(row.firstSeenAt);
  return (
    `{"id":${text(row.id)},"scopeId":${text(row.scopeId)},"fingerprint":${text(row.fingerprint)},` +
    `"ruleId":${text(row.ruleId)},"title":${text(row.title)},"requirements":${row.requirements},` +
    `"severity":${text(row.severity)},"asset":${text(row.asset)},"subject":${text(row.subject)},` +
    `"port":${row.port === null ? 'null' : String(Number(row.port))},"protocol":${textOrNull(row.protocol)},` +
    `"message":${text(row.message)},"remediation":${textOrNull(row.remediation)},` +
    `"evidence":${row.evidence},"status":${text(row.status)},` +
    `"firstFailedAt":"${firstSeenAt}","firstSeenAt":"${firstSeenAt}","lastSeenAt":"${iso(row.lastSeenAt)}",` +
    `"resolvedAt":${row.resolvedAt === null ? 'null' : `"${iso(row.resolvedAt)}"`},` +
    `"firstSnapshotId":${textOrNull(row.firstSnapshotId)},"lastSnapshotId":${textOrNull(row.lastSnapshotId)},` +
    `"resolvedSnapshotId":${textOrNull(row.resolvedSnapshotId)},"policyVersion":${text(row.policyVersion)},` +
    `"baseline":${baseline},"newSinceBaseline":${newSinceBaseline},"waiver":${waiver}}`
  );
}
