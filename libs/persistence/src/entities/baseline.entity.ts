import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An approved snapshot evaluation: the findings failing then are "known", anything else is new. */
@Entity('baselines')
export class BaselineEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('uuid', { name: 'snapshot_id' }) snapshotId!: string;
  @Column('timestamptz', { name: 'taken_at' }) takenAt!: Date;
  @Column('text', { name: 'policy_version' }) policyVersion!: string;
  @Column('char', { length: 64, array: true }) fingerprints!: string[];
  @Column('text', { nullable: true }) note!: string | null;
  @Column('uuid', { name: 'approved_by', nullable: true }) approvedBy!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
