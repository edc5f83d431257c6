/** The roles an API key can hold; every route declares which of them may call it. */
export const ROLES = ['admin', 'analyst', 'auditor', 'ci', 'scanner'] as const;
export type Role = (typeof ROLES)[number];
