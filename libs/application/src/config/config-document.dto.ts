import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

import {
  CONFIG_KINDS,
  CONFIG_TAGS,
  type ConfigChange,
  type ConfigKind,
  type ConfigTag,
  type FirewallExposure,
} from '@driftwatch/config-state';
import type {
  ConfigChangeRow,
  ConfigDocumentSummary,
  ConfigSchemaEntity,
  ConfigStateRow,
} from '@driftwatch/persistence';

import { PageMetaDto, PageQueryDto } from '@driftwatch/application/common/pagination';
import { IsTimestamp } from '@driftwatch/application/common/timestamp';

/** The largest document the API accepts (a large firewall's iptables-save is a few MB). */
export const CONFIG_MAX_BYTES = 16 * 1024 * 1024;

// An address, or a host id such as a hostname or inventory name: no spaces, no control characters.
const ASSET = /^[A-Za-z0-9][A-Za-z0-9._:%@/-]*$/;

export class SubmitConfigDto {
  @ApiProperty({ enum: CONFIG_KINDS, description: 'What the document is; it decides the parser' })
  @IsIn(CONFIG_KINDS)
  kind!: ConfigKind;

  @ApiProperty({ description: 'The asset it was collected on: an IP address or a host id', maxLength: 253 })
  @IsString()
  @Length(1, 253)
  @Matches(ASSET, { message: 'asset must be an IP address or a host id (letters, digits, . _ : - / @ %)' })
  asset!: string;

  @ApiProperty({
    description: 'When it was collected (RFC 3339, with its offset)',
    example: '2026-11-23T10:00:00Z',
  })
  @IsTimestamp()
  collectedAt!: string;

  @ApiPropertyOptional({ enum: CONFIG_TAGS, description: 'The running or the saved (startup) configuration' })
  @IsOptional()
  @IsIn(CONFIG_TAGS)
  tag?: ConfigTag;

  @ApiPropertyOptional({
    description:
      'For kind "json": the registered schema the document must satisfy. An asset holds one document in force per ' +
      'kind, tag and schema: documents of different schemas do not replace each other',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  schema?: string;

  @ApiProperty({ description: 'The document as collected (text; JSON kinds as JSON text)' })
  @IsString()
  @Length(1, CONFIG_MAX_BYTES)
  content!: string;
}

export class ConfigStateQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) asset?: string;
  @ApiPropertyOptional({ enum: CONFIG_KINDS }) @IsOptional() @IsIn(CONFIG_KINDS) kind?: ConfigKind;

  @ApiPropertyOptional({
    description: 'The documents in force at this moment (RFC 3339, with its offset); now when absent',
  })
  @IsOptional()
  @IsTimestamp()
  at?: string;
}

export class ConfigChangesQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) asset?: string;
  @ApiPropertyOptional({ enum: CONFIG_KINDS }) @IsOptional() @IsIn(CONFIG_KINDS) kind?: ConfigKind;
}

export class RegisterConfigSchemaDto {
  @ApiProperty({ description: 'Lowercase name documents refer to', example: 'vpn-settings' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ description: 'A JSON Schema (ajv, strict mode; local $ref only)', type: Object })
  @IsObject()
  schema!: Record<string, unknown>;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
}

export class ConfigDocumentResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() asset!: string;
  @ApiProperty({ enum: CONFIG_KINDS }) kind!: string;
  @ApiProperty({ nullable: true, enum: CONFIG_TAGS, type: String }) tag!: ConfigTag | null;
  @ApiProperty({ nullable: true, type: String }) schema!: string | null;
  @ApiProperty({ description: 'sha256 of the content' }) contentHash!: string;
  @ApiProperty() collectedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ type: Object, description: 'The parsed facts policy rules read' })
  facts!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The document text, when asked for' }) content?: string;
}

export class ConfigChangeResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() asset!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ nullable: true, type: String }) tag!: ConfigTag | null;
  @ApiProperty({ nullable: true, type: String, description: 'For kind "json": the documents\' schema' })
  schema!: string | null;
  @ApiProperty({ nullable: true, type: String }) fromDocumentId!: string | null;
  @ApiProperty() toDocumentId!: string;
  @ApiProperty() detectedAt!: string;
  @ApiProperty({ type: [Object], description: 'Semantic changes: rule added/removed, setting from → to' })
  changes!: ConfigChange[];
  @ApiProperty({ description: 'Unified line diff of the two documents (the evidence)' }) lineDiff!: string;
  @ApiProperty() lineDiffTruncated!: boolean;
}

export class ConfigSubmittedDto {
  @ApiProperty({ enum: ['created', 'changed', 'unchanged'] })
  outcome!: 'created' | 'changed' | 'unchanged';
  @ApiProperty() document!: ConfigDocumentResponseDto;
  @ApiProperty({ type: ConfigChangeResponseDto, nullable: true }) change!: ConfigChangeResponseDto | null;
}

export class ConfigStateResponseDto {
  @ApiProperty() document!: ConfigDocumentResponseDto;
  @ApiProperty() validFrom!: string;
  @ApiProperty({ nullable: true, type: String }) validTo!: string | null;
  @ApiProperty() lastConfirmedAt!: string;
  @ApiProperty() confirmations!: number;
}

export class ConfigStateListResponseDto {
  @ApiProperty({ type: [ConfigStateResponseDto] }) items!: ConfigStateResponseDto[];
}

export class ConfigChangeListResponseDto {
  @ApiProperty({ type: [ConfigChangeResponseDto] }) items!: ConfigChangeResponseDto[];
  @ApiProperty() page!: PageMetaDto;
}

export class ConfigSchemaResponseDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: Object }) schema!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() createdAt!: string;
}

export class FirewallExposureResponseDto {
  @ApiProperty() documentId!: string;
  @ApiProperty() asset!: string;
  @ApiProperty({ enum: ['iptables-save', 'nft-ruleset'] }) kind!: string;
  @ApiProperty({
    type: Object,
    description:
      'Per hook (input, forward): the default action for new connections, which source networks may ' +
      'open which destination ports (allowed), and what depends on matches the analysis does not model (uncertain)',
  })
  hooks!: Record<'input' | 'forward', FirewallExposure>;
}

export class ConfigSchemaListResponseDto {
  @ApiProperty({ type: [ConfigSchemaResponseDto] }) items!: ConfigSchemaResponseDto[];
}

/** A document as the API shows it; its text only when given (and asked for). */
export function mapConfigDocument(
  d: ConfigDocumentSummary & { content?: string },
  withContent = false,
): ConfigDocumentResponseDto {
  return {
    id: d.id,
    scopeId: d.scopeId,
    asset: d.asset,
    kind: d.kind,
    tag: d.tag === '' ? null : (d.tag as ConfigTag),
    schema: d.schemaName,
    contentHash: d.contentHash,
    collectedAt: d.collectedAt.toISOString(),
    receivedAt: d.receivedAt.toISOString(),
    facts: d.facts,
    ...(withContent && d.content !== undefined ? { content: d.content } : {}),
  };
}

export function mapConfigChange(c: ConfigChangeRow): ConfigChangeResponseDto {
  return {
    id: c.id,
    scopeId: c.scopeId,
    asset: c.asset,
    kind: c.kind,
    tag: c.tag === '' ? null : (c.tag as ConfigTag),
    schema: c.schema === '' ? null : c.schema,
    fromDocumentId: c.fromDocumentId,
    toDocumentId: c.toDocumentId,
    detectedAt: c.detectedAt.toISOString(),
    changes: c.changes as ConfigChange[],
    lineDiff: c.lineDiff,
    lineDiffTruncated: c.lineDiffTruncated,
  };
}

export function mapConfigState(s: ConfigStateRow): ConfigStateResponseDto {
  return {
    document: mapConfigDocument(s.document),
    validFrom: s.validFrom.toISOString(),
    validTo: s.validTo?.toISOString() ?? null,
    lastConfirmedAt: s.lastConfirmedAt.toISOString(),
    confirmations: s.confirmations,
  };
}

export function mapConfigSchema(s: ConfigSchemaEntity): ConfigSchemaResponseDto {
  return {
    name: s.name,
    schema: s.schema,
    description: s.description,
    createdAt: s.createdAt.toISOString(),
  };
}
