import type { DeclaredAsset, ZoneClassification, ZoneView } from '../policy-context';

/** Picks zones (and, for targets, assets) by name or classification; an empty selector picks all. */
export interface ZoneSelector {
  zones?: string[];
  classifications?: ZoneClassification[];
  notClassifications?: ZoneClassification[];
  /** Targets only: hosts declared as storing cardholder data. */
  storesCardData?: boolean;
}

export const ZONE_SELECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    zones: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    classifications: { type: 'array', minItems: 1, items: { $ref: '#/definitions/classification' } },
    notClassifications: { type: 'array', minItems: 1, items: { $ref: '#/definitions/classification' } },
    storesCardData: { type: 'boolean' },
  },
} as const;

export const CLASSIFICATION_SCHEMA = {
  enum: ['cde', 'connected', 'internal', 'dmz', 'untrusted', 'out-of-scope'],
} as const;

export function zoneSelected(
  selector: ZoneSelector,
  zone: ZoneView | undefined,
  asset?: DeclaredAsset,
): boolean {
  if (selector.storesCardData !== undefined && (asset?.storesCardData ?? false) !== selector.storesCardData)
    return false;
  const constrainsZone =
    selector.zones !== undefined ||
    selector.classifications !== undefined ||
    selector.notClassifications !== undefined;
  if (!constrainsZone) return true;
  if (!zone) return false;
  if (selector.zones && !selector.zones.includes(zone.name)) return false;
  if (selector.classifications && !selector.classifications.includes(zone.classification)) return false;
  if (selector.notClassifications?.includes(zone.classification)) return false;
  return true;
}
