/** The key from "Authorization: Bearer <key>", or from HTTP Basic's password (for browsers opening /docs). */
export function presentedKey(authorization: string | undefined, allowBasic = false): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (allowBasic && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}
