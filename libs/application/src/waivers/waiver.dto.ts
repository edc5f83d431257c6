import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';

import type { WaiverEntity } from '@driftwatch/persistence';

import { PageMetaDto, PageQueryDto } from '@driftwatch/application/common/pagination';
import { IsTimestamp } from '@driftwatch/application/common/timestamp';

// Not only whitespace: an exception needs a reason and a name an auditor can read.
const VISIBLE = /\S/;

export class CreateWaiverDto {
  @ApiProperty({ description: 'The finding to except' })
  @IsUUID()
  findingId!: string;

  @ApiProperty({
    description: 'Why the finding is accepted, and the compensating control',
    minLength: 10,
    maxLength: 4000,
  })
  @IsString()
  @Length(10, 4000)
  @Matches(VISIBLE)
  justification!: string;

  @ApiProperty({ description: 'Who approved the exception (name or role)', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(VISIBLE)
  approver!: string;

  @ApiProperty({
    description: 'When the exception ends (RFC 3339 with its offset, in the future, at most 1 year ahead)',
    example: '2027-03-31T00:00:00Z',
  })
  @IsTimestamp()
  expiresAt!: string;
}

export class ListWaiversQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() scope?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() finding?: string;

  @ApiPropertyOptional({ description: 'true: in force; false: revoked or expired' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  inForce?: boolean;
}

export class WaiverResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() findingId!: string;
  @ApiProperty() justification!: string;
  @ApiProperty() approver!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) expiredAt!: string | null;
  @ApiProperty({ enum: ['in-force', 'revoked', 'expired'] }) state!: 'in-force' | 'revoked' | 'expired';
}

export class WaiverListResponseDto {
  @ApiProperty({ type: [WaiverResponseDto] }) items!: WaiverResponseDto[];
  @ApiProperty() page!: PageMetaDto;
}

export function mapWaiver(w: WaiverEntity): WaiverResponseDto {
  return {
    id: w.id,
    scopeId: w.scopeId,
    findingId: w.findingId,
    justification: w.justification,
    approver: w.approver,
    expiresAt: w.expiresAt.toISOString(),
    createdAt: w.createdAt.toISOString(),
    createdBy: w.createdBy,
    revokedAt: w.revokedAt?.toISOString() ?? null,
    expiredAt: w.expiredAt?.toISOString() ?? null,
    state: w.revokedAt ? 'revoked' : w.expiredAt ? 'expired' : 'in-force',
  };
}
