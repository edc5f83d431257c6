import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';

import { DriftwatchError } from '@driftwatch/core';

/** A policy version is the sha256 of its pack. */
export const POLICY_VERSION = /^[0-9a-f]{64}$/;
/** A registered config schema's name (as `POST /config-schemas` accepts it). */
export const SCHEMA_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * A string path parameter in the shape the route documents, or 400 naming the parameter. For
 * parameters that are not UUIDs (ParseUUIDPipe covers those).
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
