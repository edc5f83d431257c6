import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { FindingStatus } from '@driftwatch/core';

/** One status change of a finding; append-only (a trigger refuses UPDATE and DELETE). */
@Entity('finding_transitions')
export class FindingTransitionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'finding_id' }) findingId!: string;
  @Column('text', { name: 'from_status', nullable: true }) fromStatus!: FindingStatus | null;
  @Column('text', { name: 'to_status' }) toStatus!: FindingStatus;
  @Column('timestamptz') at!: Date;
  @Column('text') reason!: string;
  @Column('uuid', { name: 'snapshot_id', nullable: true }) snapshotId!: string | null;
  @Column('uuid', { name: 'waiver_id', nullable: true }) waiverId!: string | null;
  @Column('uuid', { nullable: true }) actor!: string | null;
  @Column('text', { name: 'policy_version', nullable: true }) policyVersion!: string | null;
}
