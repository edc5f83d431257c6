import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsArray, IsIn, IsInt, IsOptional, IsString, ValidateIf } from 'class-validator';

import { HOST_DISCOVERY_MODES, type HostDiscovery, type PortSpecEntry } from '@driftwatch/core';
import type { ScopeEntity } from '@driftwatch/persistence';

import { PageMetaDto } from '@driftwatch/application/common/pagination';

const PORTS_DOC: ApiPropertyOptions = {
  description: 'Ports to scan: numbers and "low-high" ranges',
  example: [22, 23, 80, 443, '8000-8100'],
  type: 'array',
  items: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
};

const HOST_TIMEOUT_DOC: ApiPropertyOptions = {
  example: 300,
  nullable: true,
  type: Number,
  description:
    "nmap's per-host time limit (--host-timeout) in seconds, 1-86400; null: the deployment default",
};
const SCAN_TIMEOUT_DOC: ApiPropertyOptions = {
  example: 3600,
  nullable: true,
  type: Number,
  description: 'Hard limit of one shard scan in seconds (nmap is stopped), 10-604800; null: the default',
};

const HOST_DISCOVERY_DOC: ApiPropertyOptions = {
  enum: HOST_DISCOVERY_MODES,
  example: 'ping',
  description:
    "'ping' (default): nmap's host discovery first, only hosts that answer are port-scanned. " +
    "'none' (-Pn): every address is port-scanned, so a host whose firewall drops discovery " +
    'probes is still seen (slower on large ranges)',
};

/** An optional integer that may be set back to null (the deployment default). */
function OptionalInteger(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    ValidateIf((_, v) => v !== null),
    IsInt(),
  );
}

export class CreateScopeDto {
  @ApiProperty({ example: 'cde-web' })
  @IsString()
  name!: string;

  @ApiProperty({ example: ['10.0.0.0/24', '10.0.1.5', 'db.cde.example.com'] })
  @IsArray()
  @IsString({ each: true })
  targets!: string[];

  @ApiProperty(PORTS_DOC)
  @IsArray()
  ports!: PortSpecEntry[];

  @ApiPropertyOptional({
    type: [Number],
    example: [22, 443],
    description: 'Open ports with an approved business need (PCI DSS 1.2.5)',
  })
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  approvedPorts?: number[];

  @ApiPropertyOptional({
    example: '0 */6 * * *',
    nullable: true,
    description: 'Five-field cron expression (UTC), or null',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  schedule?: string | null;

  @ApiPropertyOptional({ example: 'default', description: 'Network zone the scan runs from' })
  @IsOptional()
  @IsString()
  vantage?: string;

  @ApiPropertyOptional({
    example: ['ssl-enum-ciphers', 'ssl-cert', 'ssh2-enum-algos', 'ssh-auth-methods', 'http-headers'],
    description: 'NSE scripts to run (from a fixed allowlist); default: all of them',
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  scripts?: string[];
  @ApiPropertyOptional(HOST_TIMEOUT_DOC) @OptionalInteger() hostTimeoutSeconds?: number | null;
  @ApiPropertyOptional(SCAN_TIMEOUT_DOC) @OptionalInteger() scanTimeoutSeconds?: number | null;
  @ApiPropertyOptional(HOST_DISCOVERY_DOC)
  @IsOptional()
  @IsIn(HOST_DISCOVERY_MODES)
  hostDiscovery?: HostDiscovery;
}

export class UpdateScopeDto {
  @ApiPropertyOptional() @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  targets?: string[];
  @ApiPropertyOptional(PORTS_DOC) @IsOptional() @IsArray() ports?: PortSpecEntry[];
  @ApiPropertyOptional({ type: [Number] })
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  approvedPorts?: number[];
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  schedule?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString() vantage?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  scripts?: string[];
  @ApiPropertyOptional(HOST_TIMEOUT_DOC) @OptionalInteger() hostTimeoutSeconds?: number | null;
  @ApiPropertyOptional(SCAN_TIMEOUT_DOC) @OptionalInteger() scanTimeoutSeconds?: number | null;
  @ApiPropertyOptional(HOST_DISCOVERY_DOC)
  @IsOptional()
  @IsIn(HOST_DISCOVERY_MODES)
  hostDiscovery?: HostDiscovery;
}

export class ScopeResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) targets!: string[];
  @ApiProperty(PORTS_DOC) ports!: PortSpecEntry[];
  @ApiProperty({ type: [Number] }) approvedPorts!: number[];
  @ApiProperty({ nullable: true, type: String }) schedule!: string | null;
  @ApiProperty() vantage!: string;
  @ApiProperty({ type: [String] }) scripts!: string[];
  @ApiProperty({ nullable: true, type: Number }) hostTimeoutSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) scanTimeoutSeconds!: number | null;
  @ApiProperty(HOST_DISCOVERY_DOC) hostDiscovery!: HostDiscovery;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ScopeListResponseDto {
  @ApiProperty({ type: [ScopeResponseDto] }) items!: ScopeResponseDto[];
  @ApiProperty() page!: PageMetaDto;
}

export function mapScope(entity: ScopeEntity): ScopeResponseDto {
  return {
    id: entity.id,
    name: entity.name,
    targets: entity.targets,
    ports: entity.ports,
    approvedPorts: entity.approvedPorts,
    schedule: entity.schedule,
    vantage: entity.vantage,
    scripts: entity.scripts,
    hostTimeoutSeconds: entity.hostTimeoutSeconds,
    scanTimeoutSeconds: entity.scanTimeoutSeconds,
    hostDiscovery: entity.hostDiscovery,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
