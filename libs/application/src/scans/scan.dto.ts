import { ApiProperty } from '@nestjs/swagger';

import { SCAN_STATUSES, type ScanEntity, type ScanStatus } from '@driftwatch/persistence';

export class ScanAcceptedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: SCAN_STATUSES }) status!: ScanStatus;
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
  @ApiProperty({ nullable: true, type: Number, description: 'Milliseconds from start to finish' })
  durationMs!: number | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String }) snapshotId!: string | null;
  @ApiProperty({ type: [String], description: "nmap's warnings (stderr) for the scan" }) warnings!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'Name of the API key that cancelled the scan' })
  cancelledBy!: string | null;
}

export function mapScan(scan: ScanEntity): ScanResponseDto {
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
    durationMs:
      scan.startedAt && scan.finishedAt ? scan.finishedAt.getTime() - scan.startedAt.getTime() : null,
    error: scan.error,
    snapshotId: scan.snapshotId,
    warnings: scan.warnings,
    cancelledBy: scan.cancelledBy,
  };
}
