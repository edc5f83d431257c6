export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** excepted: failing, but under a waiver in force (justified, approved, until it expires). */
export const FINDING_STATUSES = ['open', 'resolved', 'excepted'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
