import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';

import { CONFIG_KINDS, CONFIG_TAGS, type ConfigKind, type ConfigTag } from '@driftwatch/config-state';
import { GATE_MODES, type GateMode, SEVERITIES, type Severity } from '@driftwatch/core';

import { CONFIG_MAX_BYTES } from '@driftwatch/application/config/config-document.dto';

export const MAX_CANDIDATE_DOCUMENTS = 50;
// As the import route's documents; an nmap XML sent as a JSON string.
export const CANDIDATE_XML_MAX_BYTES = 3 * CONFIG_MAX_BYTES;
const ASSET = /^[A-Za-z0-9._:/@%-]+$/;

/** A configuration document a deploy will apply (e.g. the firewall ruleset about to be loaded). */
export class CandidateDocumentDto {
  @ApiProperty({ enum: CONFIG_KINDS }) @IsIn(CONFIG_KINDS) kind!: ConfigKind;

  @ApiProperty({ description: 'The asset it will apply to', maxLength: 253 })
  @IsString()
  @Length(1, 253)
  @Matches(ASSET, { message: 'asset must be an IP address or a host id (letters, digits, . _ : - / @ %)' })
  asset!: string;

  @ApiPropertyOptional({ enum: CONFIG_TAGS }) @IsOptional() @IsIn(CONFIG_TAGS) tag?: ConfigTag;

  @ApiPropertyOptional({ description: 'For kind "json": the registered schema' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  schema?: string;

  @ApiProperty({ description: 'The document text' })
  @IsString()
  @Length(1, CONFIG_MAX_BYTES)
  content!: string;
}

/**
 * POST /evaluate: what a deploy will change, judged against the scope's current policy, context and
 * baseline without storing anything. The candidate's nmap XML replaces the scope's current network
 * state; its documents replace those in force for the same asset, kind and tag.
 */
export class DryRunDto {
  @ApiProperty() @IsUUID() scope!: string;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'high' })
  @IsOptional()
  @IsIn(SEVERITIES)
  failOn?: Severity;

  @ApiPropertyOptional({ enum: GATE_MODES, default: 'all' }) @IsOptional() @IsIn(GATE_MODES) mode?: GateMode;

  @ApiPropertyOptional({ description: 'nmap XML of the candidate (e.g. a staging environment), as text' })
  @IsOptional()
  @IsString()
  @Length(1, CANDIDATE_XML_MAX_BYTES)
  nmapXml?: string;

  @ApiPropertyOptional({ type: [CandidateDocumentDto], maxItems: MAX_CANDIDATE_DOCUMENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CANDIDATE_DOCUMENTS)
  @ValidateNested({ each: true })
  @Type(() => CandidateDocumentDto)
  documents?: CandidateDocumentDto[];
}
