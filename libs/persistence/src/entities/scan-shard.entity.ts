import { Column, Entity, PrimaryColumn } from 'typeorm';

import type { NetworkObservation } from '@driftwatch/core';

export const SHARD_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ShardStatus = (typeof SHARD_STATUSES)[number];

/** One shard of a scan: a block of its targets, run as its own job. */
@Entity('scan_shards')
export class ScanShardEntity {
  @PrimaryColumn('uuid', { name: 'scan_id' }) scanId!: string;
  @PrimaryColumn('integer') seq!: number;
  @Column('text') block!: string;
  @Column('text', { array: true }) targets!: string[];
  @Column('text') status!: ShardStatus;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('text', { nullable: true }) error!: string | null;
  /** nmap's current task in this shard and its estimate (progress is per task, not per run). */
  @Column('text', { name: 'progress_task', nullable: true }) progressTask!: string | null;
  @Column('real', { name: 'progress_percent', nullable: true }) progressPercent!: number | null;
  @Column('timestamptz', { name: 'progress_eta', nullable: true }) progressEta!: Date | null;
  /** The shard's observation until the snapshot is assembled; cleared then. */
  @Column('jsonb', { nullable: true }) result!: NetworkObservation | null;
  @Column('jsonb', { default: () => "'[]'" }) warnings!: string[];
}
