import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { ScanRunInfo } from '@driftwatch/core';

/**
 * Immutable: a database trigger refuses UPDATE and DELETE on this table. The content (hosts and
 * ports) lives in state intervals; `seq` orders a scope's snapshots and is what intervals refer to.
 */
@Entity('snapshots')
export class SnapshotEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('uuid', { name: 'scan_id' }) scanId!: string;
  @Column('text') vantage!: string;
  @Column('timestamptz', { name: 'taken_at' }) takenAt!: Date;
  @Column('char', { name: 'content_hash', length: 64 }) contentHash!: string;
  @Column('integer') seq!: number;
  /** Targets whose shards failed: the snapshot did not observe them (empty when complete). */
  @Column('text', { name: 'missing_targets', array: true }) missingTargets!: string[];
  @Column('jsonb') run!: ScanRunInfo;
  @Column('integer', { name: 'host_count' }) hostCount!: number;
  @Column('integer', { name: 'open_port_count' }) openPortCount!: number;
}
