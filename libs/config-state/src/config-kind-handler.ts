import type { ConfigChange, ConfigKind } from './config-document.model';

/**
 * What Driftwatch knows about one kind of document: how to parse its text into facts (throwing
 * ConfigParseError with the line and reason when it cannot), the JSON Schema those facts satisfy
 * (checked with ajv before anything is stored), and how two documents' facts differ semantically.
 */
export interface ConfigKindHandler<F extends object = Record<string, unknown>> {
  readonly kind: ConfigKind;
  /** A sentence for the API documentation and CLI help: what to send and how to collect it. */
  readonly description: string;
  parse(content: string): F;
  readonly factsSchema: Readonly<Record<string, unknown>>;
  diff(before: F, after: F): ConfigChange[];
}
