import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { SEVERITIES, type Severity } from '@driftwatch/core';
import type { PolicyVersionEntity, PolicyVersionSummary } from '@driftwatch/persistence';
import {
  type CompiledPolicy,
  RELATIONAL_KINDS,
  type RuleKind,
  SUBJECT_KINDS,
  type SubjectKind,
} from '@driftwatch/policy-engine';

import {
  POLICY_FILE_MAX_BYTES,
  POLICY_FILE_PATH,
  POLICY_FILE_PATH_MAX_LENGTH,
  POLICY_MAX_FILES,
} from './policy-pack-check';

export class PolicyFileDto {
  @ApiProperty({ example: 'rules/1.2.5-open-port-not-approved.yaml', maxLength: POLICY_FILE_PATH_MAX_LENGTH })
  @IsString()
  @MaxLength(POLICY_FILE_PATH_MAX_LENGTH)
  @Matches(POLICY_FILE_PATH, {
    message:
      'path must be a relative file name (letters, digits, _ . -, folders with /) ending .yaml, .yml or .json',
  })
  path!: string;

  @ApiProperty({ description: `The rule file (YAML or JSON), at most ${POLICY_FILE_MAX_BYTES} bytes` })
  @IsString()
  // Characters here; the byte limit is checked with the pack.
  @MaxLength(POLICY_FILE_MAX_BYTES)
  text!: string;
}

export class PutPolicyDto {
  @ApiPropertyOptional({ example: 'pci-dss-v4', description: 'Default: the active policy name' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, {
    message: 'name must be 1-100 characters: letters, digits and _ . -',
  })
  name?: string;

  @ApiProperty({ type: [PolicyFileDto], maxItems: POLICY_MAX_FILES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(POLICY_MAX_FILES)
  @ValidateNested({ each: true })
  @Type(() => PolicyFileDto)
  files!: PolicyFileDto[];
}

export class PolicyRuleSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String] }) requirements!: string[];
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ enum: ['condition', ...RELATIONAL_KINDS] })
  kind!: RuleKind;
  @ApiProperty({ enum: SUBJECT_KINDS, nullable: true, description: 'null for relational rules' })
  subject!: SubjectKind | null;
  @ApiProperty({ description: 'The rule file it was read from' }) source!: string;
}

export class PolicyVersionSummaryDto {
  @ApiProperty({ description: 'sha256 of the compiled rules' }) version!: string;
  @ApiProperty() name!: string;
  @ApiProperty() ruleCount!: number;
  @ApiProperty() fileCount!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'The API key id that stored it, or "boot" (the policy folder)' })
  createdBy!: string;
  @ApiProperty({ nullable: true, type: String, description: 'When it last became active' })
  activatedAt!: string | null;
  @ApiProperty() active!: boolean;
}

export class PolicyVersionDto extends PolicyVersionSummaryDto {
  @ApiProperty({ type: [PolicyFileDto] }) files!: PolicyFileDto[];
}

/** The active policy. */
export class PolicyResponseDto {
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty() ruleCount!: number;
  @ApiProperty({ nullable: true, type: String }) activatedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ type: [PolicyRuleSummaryDto] }) rules!: PolicyRuleSummaryDto[];
}

export function mapPolicyVersionSummary(v: PolicyVersionSummary): PolicyVersionSummaryDto {
  return {
    version: v.version,
    name: v.name,
    ruleCount: v.ruleCount,
    fileCount: v.fileCount,
    createdAt: v.createdAt.toISOString(),
    createdBy: v.createdBy,
    activatedAt: v.activatedAt?.toISOString() ?? null,
    active: v.active,
  };
}

export function mapPolicyVersion(v: PolicyVersionEntity): PolicyVersionDto {
  return {
    ...mapPolicyVersionSummary({ ...v, fileCount: v.files.length }),
    files: v.files.map((f) => ({ path: f.path, text: f.text })),
  };
}

export function mapPolicy(stored: PolicyVersionEntity, policy: CompiledPolicy): PolicyResponseDto {
  return {
    name: stored.name,
    version: stored.version,
    ruleCount: policy.ruleCount,
    activatedAt: stored.activatedAt?.toISOString() ?? null,
    createdAt: stored.createdAt.toISOString(),
    createdBy: stored.createdBy,
    rules: policy.rules.map(({ rule, kind }) => ({
      id: rule.id,
      title: rule.title,
      requirements: [...rule.requirements],
      severity: rule.severity,
      kind,
      subject: rule.kind === undefined || rule.kind === 'condition' ? rule.subject : null,
      source: rule.source,
    })),
  };
}
