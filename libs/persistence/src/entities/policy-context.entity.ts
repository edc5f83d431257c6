import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One version of the policy context document (zones, roles, inventory, flows, approved
 * changes), validated before it is stored. Append-only: the newest version is the current one.
 */
@Entity('policy_contexts')
export class PolicyContextEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('jsonb') document!: Record<string, unknown>;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  /** The API key id that stored it. */
  @Column('text', { name: 'created_by' }) createdBy!: string;
}
