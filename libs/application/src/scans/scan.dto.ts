import { ApiProperty } from '@nestjs/swagger';

import { HOST_DISCOVERY_MODES, type HostDiscovery } from '@driftwatch/core';

import {
  SCAN_STATUSES,
  type ScanEntity,
  type ScanShardEntity,
  type ScanStatus,
  SHARD_STATUSES,
  type ShardStatus,
} from '@driftwatch/persistence';

export class ScanAcceptedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: SCAN_STATUSES }) status!: ScanStatus;
}

export class ScanShardDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ description: 'The block of targets (e.g. a /24)' }) block!: string;
  @ApiProperty({ type: [String] }) targets!: string[];
  @ApiProperty({ enum: SHARD_STATUSES }) status!: ShardStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String, description: "nmap's current task, e.g. Service scan" })
  task!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "nmap's estimate for its current task",
  })
  percent!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class ScanParametersDto {
  @ApiProperty({
    type: [Object],
    description: 'Ports and ranges as the scope gave them ("1-1024", 3306, "U:53")',
  })
  ports!: (number | string)[];
  @ApiProperty({ type: [String] }) scripts!: string[];
  @ApiProperty({ nullable: true, type: Number }) hostTimeoutSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) scanTimeoutSeconds!: number | null;
  @ApiProperty({ enum: HOST_DISCOVERY_MODES }) hostDiscovery!: HostDiscovery;
}

export class ScanProgressDto {
  @ApiProperty({
    description:
      "Percent done over all shards: finished shards count in full, running ones by nmap's estimate for the task they run",
  })
  percent!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Estimated completion (ISO time)' })
  eta!: string | null;
  @ApiProperty() shardsTotal!: number;
  @ApiProperty() shardsDone!: number;
  @ApiProperty() shardsFailed!: number;
}

export class ScanResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty({ enum: ['manual', 'schedule', 'import'] }) trigger!: 'manual' | 'schedule' | 'import';
  @ApiProperty({ nullable: true, type: String }) slot!: string | null;
  @ApiProperty({ enum: SCAN_STATUSES }) status!: ScanStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty() queuedAt!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      "Milliseconds from start to finish: null until both are known, and when an imported run's end precedes its start",
  })
  durationMs!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String }) snapshotId!: string | null;
  @ApiProperty({
    type: [String],
    description: "Warnings about the scan: nmap's stderr, hosts reported twice, a backward clock",
  })
  warnings!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'Name of the API key that cancelled the scan' })
  cancelledBy!: string | null;
  @ApiProperty({
    nullable: true,
    type: ScanParametersDto,
    description:
      "What every shard scanned with: the scope's settings when the scan was planned (null before, and for scans planned by older versions)",
  })
  parameters!: ScanParametersDto | null;
  @ApiProperty({ nullable: true, type: ScanProgressDto }) progress!: ScanProgressDto | null;
  @ApiProperty({ type: [ScanShardDto] }) shards!: ScanShardDto[];
}

/** Unknown (null) until both ends are known, and when an imported run's clock went backwards. */
function durationOf(startedAt: Date | null, finishedAt: Date | null): number | null {
  if (!startedAt || !finishedAt) return null;
  const ms = finishedAt.getTime() - startedAt.getTime();
  return ms >= 0 ? ms : null;
}

export function mapScan(scan: ScanEntity, shards: readonly ScanShardEntity[] = []): ScanResponseDto {
  return {
    id: scan.id,
    scopeId: scan.scopeId,
    trigger: scan.trigger,
    slot: scan.slot?.toISOString() ?? null,
    status: scan.status,
    attempts: scan.attempts,
    queuedAt: scan.queuedAt.toISOString(),
    startedAt: scan.startedAt?.toISOString() ?? null,
    finishedAt: scan.finishedAt?.toISOString() ?? null,
    durationMs: durationOf(scan.startedAt, scan.finishedAt),
    error: scan.error,
    snapshotId: scan.snapshotId,
    warnings: scan.warnings,
    cancelledBy: scan.cancelledBy,
    parameters: scan.parameters ? { ...scan.parameters } : null,
    progress: progressOf(shards),
    shards: shards.map((s) => ({
      seq: s.seq,
      block: s.block,
      targets: s.targets,
      status: s.status,
      attempts: s.attempts,
      task: s.progressTask,
      percent: s.status === 'completed' ? 100 : s.progressPercent,
      error: s.error,
    })),
  };
}

/** Progress over all shards: finished ones count as done, running ones by nmap's estimate. */
function progressOf(shards: readonly ScanShardEntity[]): ScanProgressDto | null {
  if (shards.length === 0) return null;
  const finished = (s: ScanShardEntity) => s.status !== 'queued' && s.status !== 'running';
  const sum = shards.reduce(
    (n, s) => n + (finished(s) ? 100 : s.status === 'running' ? (s.progressPercent ?? 0) : 0),
    0,
  );
  const etas = shards
    .filter((s) => s.status === 'running' && s.progressEta)
    .map((s) => s.progressEta?.getTime() ?? 0);
  const pending = shards.some((s) => !finished(s));
  return {
    percent: Math.round((sum / shards.length) * 10) / 10,
    eta: pending && etas.length > 0 ? new Date(Math.max(...etas)).toISOString() : null,
    shardsTotal: shards.length,
    shardsDone: shards.filter((s) => s.status === 'completed').length,
    shardsFailed: shards.filter((s) => s.status === 'failed' || s.status === 'cancelled').length,
  };
}
