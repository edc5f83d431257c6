import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { HostAttributes } from '@driftwatch/core';

/**
 * A host-level state interval: one host (status, addresses, names, OS matches, host scripts)
 * from the snapshot that first saw it until the snapshot that saw it change or vanish.
 * Its ports have their own intervals (observations); together they are the snapshot content.
 */
@Entity('host_observations')
export class HostObservationEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('text') address!: string;
  @Column('text') status!: string;
  @Column('jsonb') attributes!: HostAttributes;
  @Column('char', { name: 'attributes_hash', length: 64 }) attributesHash!: string;
  @Column('uuid', { name: 'first_seen_snapshot_id' }) firstSeenSnapshotId!: string;
  @Column('integer', { name: 'first_seen_seq' }) firstSeenSeq!: number;
  @Column('timestamptz', { name: 'first_seen_at' }) firstSeenAt!: Date;
  @Column('uuid', { name: 'closed_snapshot_id', nullable: true }) closedSnapshotId!: string | null;
  @Column('integer', { name: 'closed_seq', nullable: true }) closedSeq!: number | null;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt!: Date | null;
}
