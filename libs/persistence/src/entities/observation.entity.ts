import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A state interval: one port of one host with one set of attributes, from the snapshot that
 * first saw it until the snapshot that saw it change or vanish (closed_* NULL while current).
 * An unchanged rescan writes nothing here.
 */
@Entity('observations')
export class ObservationEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('text') address!: string;
  @Column('text') protocol!: string;
  @Column('integer') port!: number;
  @Column('text') state!: string;
  @Column('jsonb') attributes!: Record<string, unknown>;
  @Column('char', { name: 'attributes_hash', length: 64 }) attributesHash!: string;
  @Column('uuid', { name: 'first_seen_snapshot_id' }) firstSeenSnapshotId!: string;
  @Column('integer', { name: 'first_seen_seq' }) firstSeenSeq!: number;
  @Column('timestamptz', { name: 'first_seen_at' }) firstSeenAt!: Date;
  @Column('uuid', { name: 'closed_snapshot_id', nullable: true }) closedSnapshotId!: string | null;
  @Column('integer', { name: 'closed_seq', nullable: true }) closedSeq!: number | null;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt!: Date | null;
}
