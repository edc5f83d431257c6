import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { HostDiscovery, PortSpecEntry } from '@driftwatch/core';

@Entity('scopes')
export class ScopeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { array: true }) targets!: string[];
  @Column('jsonb') ports!: PortSpecEntry[];
  @Column('integer', { name: 'approved_ports', array: true }) approvedPorts!: number[];
  @Column('text', { nullable: true }) schedule!: string | null;
  @Column('text') vantage!: string;
  @Column('text', { array: true }) scripts!: string[];
  /** nmap's --host-timeout for this scope; null uses NMAP_HOST_TIMEOUT_SECONDS. */
  @Column('integer', { name: 'host_timeout_seconds', nullable: true }) hostTimeoutSeconds!: number | null;
  /** Hard limit per shard run (nmap is killed); null uses SCAN_TIMEOUT_MS. */
  @Column('integer', { name: 'scan_timeout_seconds', nullable: true }) scanTimeoutSeconds!: number | null;
  @Column('text', { name: 'host_discovery', default: 'ping' }) hostDiscovery!: HostDiscovery;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
}
