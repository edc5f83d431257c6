import { createHash } from 'node:crypto';

/** RFC 4122 namespace for URLs (appendix C). */
export const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** Driftwatch's own namespace: uuidV5(URL_NAMESPACE, 'urn:driftwatch:oscal'). */
export const DRIFTWATCH_NAMESPACE = 'e9ba18ff-52d2-5d2a-b082-1c1e4bd941b5';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A name-based (SHA-1) UUID, RFC 4122 §4.3: the same namespace and name always give the same
 * UUID, so an export of the same data is byte-identical. No randomness, no clock.
 */
export function uuidV5(name: string, namespace: string = DRIFTWATCH_NAMESPACE): string {
  if (!UUID.test(namespace)) throw new TypeError(`uuidV5: namespace ${namespace} is not a UUID`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
