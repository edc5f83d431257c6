import { InitialSchema1763900000000 } from './1763900000000-initial-schema';

/** Every migration, in order. Listed explicitly so bundled builds need no file globbing. */
export const MIGRATIONS = [InitialSchema1763900000000];
