/** The roles an API key can hold; every route declares which of them may call it. */
export const ROLES = ['admin', 'analyst', 'auditor', 'ci', 'scanner'] as const;
export type Role = (typeof ROLES)[number];

/**
 * An API key's name, the one rule for every way a key is made (the API, the CLI, bootstrap): it
 * is printed in key lists, logs and the audit trail, so it is short and printable (no line
 * breaks or terminal escape sequences).
 */
export const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,99}$/;
export const API_KEY_NAME_RULE =
  '1-100 characters: letters, digits, space and _ . : @ -, starting with a letter or digit';
