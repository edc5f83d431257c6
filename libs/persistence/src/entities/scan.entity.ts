import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { HostDiscovery, PortSpecEntry } from '@driftwatch/core';

export const SCAN_STATUSES = ['queued', 'running', 'evaluating', 'completed', 'failed', 'cancelled'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
export type ScanTrigger = 'manual' | 'schedule' | 'import';

/** The scope's scan settings when the scan was planned: every shard runs with these. */
export interface ScanParameters {
  ports: PortSpecEntry[];
  scripts: string[];
  hostTimeoutSeconds: number | null;
  scanTimeoutSeconds: number | null;
  hostDiscovery: HostDiscovery;
}

@Entity('scans')
export class ScanEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('text') trigger!: ScanTrigger;
  /** The vantage whose queue the scan was put on, fixed then: where it runs and is looked for. */
  @Column('text') vantage!: string;
  /** The schedule slot for scheduled scans; unique per scope so a slot never runs twice. */
  @Column('timestamptz', { nullable: true }) slot!: Date | null;
  @Column('text') status!: ScanStatus;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'queued_at' }) queuedAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('uuid', { name: 'snapshot_id', nullable: true }) snapshotId!: string | null;
  @Column('jsonb', { default: () => "'[]'" }) warnings!: string[];
  @Column('text', { name: 'cancelled_by', nullable: true }) cancelledBy!: string | null;
  @Column('text', { name: 'imported_by', nullable: true }) importedBy!: string | null;
  /** Set when the scan is planned; null before, and for scans planned before the column. */
  @Column('jsonb', { nullable: true }) parameters!: ScanParameters | null;
}
