import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { FindingStatus, Severity } from '@driftwatch/core';

@Entity('findings')
export class FindingEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  /** sha256(rule id, asset, subject): the finding's identity across scans. */
  @Column('char', { length: 64 }) fingerprint!: string;
  @Column('text', { name: 'rule_id' }) ruleId!: string;
  @Column('text') title!: string;
  @Column('text', { array: true }) requirements!: string[];
  @Column('text') severity!: Severity;
  @Column('text') asset!: string;
  @Column('text') subject!: string;
  @Column('integer', { nullable: true }) port!: number | null;
  @Column('text', { nullable: true }) protocol!: string | null;
  @Column('text') message!: string;
  @Column('text', { nullable: true }) remediation!: string | null;
  @Column('jsonb') evidence!: Record<string, unknown>;
  @Column('text') status!: FindingStatus;
  @Column('timestamptz', { name: 'first_seen_at' }) firstSeenAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column('uuid', { name: 'first_snapshot_id' }) firstSnapshotId!: string;
  @Column('uuid', { name: 'last_snapshot_id' }) lastSnapshotId!: string;
  @Column('uuid', { name: 'resolved_snapshot_id', nullable: true }) resolvedSnapshotId!: string | null;
  @Column('text', { name: 'policy_version' }) policyVersion!: string;
}
