import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { HostObservation, ScanRunInfo } from '@driftwatch/core';

/** Immutable: a database trigger refuses UPDATE and DELETE on this table. */
@Entity('snapshots')
export class SnapshotEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('uuid', { name: 'scan_id' }) scanId!: string;
  @Column('text') vantage!: string;
  @Column('timestamptz', { name: 'taken_at' }) takenAt!: Date;
  @Column('char', { name: 'content_hash', length: 64 }) contentHash!: string;
  @Column('jsonb') hosts!: HostObservation[];
  @Column('jsonb') run!: ScanRunInfo;
  @Column('integer', { name: 'host_count' }) hostCount!: number;
  @Column('integer', { name: 'open_port_count' }) openPortCount!: number;
}
