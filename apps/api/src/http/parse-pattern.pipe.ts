import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';

import { DriftwatchError } from '@driftwatch/core';

/** A policy version is the sha256 of its pack. */
export const POLICY_VERSION = /^[0-9a-f]{64}$/;
/** A registered config schema's name (as `POST /config-schemas` accepts it). */
export const SCHEMA_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Any version, as ParseUuidPipe's default accepts. */
export const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

/**
 * A string path parameter in the shape the route documents, or 400 naming the parameter and
 * the reason in `fields`, as every other refused input is.
 */
export class ParsePatternPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly pattern: RegExp,
    private readonly reason: string,
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !this.pattern.test(value)) {
      throw DriftwatchError.validation([{ field: metadata.data ?? metadata.type, reason: this.reason }]);
    }
    return value;
  }
}

/**
 * A UUID path parameter, in its canonical lower case. Nest's ParseUuidPipe answers 400 with only
 * "Validation failed (uuid is expected)": this one names the parameter in `fields` like every
 * other refusal. Lower case because PostgreSQL's uuid columns return it so: an id echoed or
 * hashed as the client spelled it (`/scopes/39C7…`) would differ from the same id read back, and
 * an audit entry hashed over the upper-case spelling would never verify.
 */
@Injectable()
export class ParseUuidPipe extends ParsePatternPipe {
  constructor() {
    super(UUID, 'must be a UUID');
  }

  override transform(value: unknown, metadata: ArgumentMetadata): string {
    return super.transform(value, metadata).toLowerCase();
  }
}
