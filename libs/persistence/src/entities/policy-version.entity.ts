import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A rule file of a stored policy pack, as it was sent (or read from the policy folder). */
export interface PolicyFileRecord {
  path: string;
  text: string;
}

/**
 * An accepted policy pack: its files, keyed by the compiled policy version (the sha256 of its
 * rules), so the same content is one row however often it is sent. Exactly one row is active.
 */
@Entity('policy_versions')
export class PolicyVersionEntity {
  @PrimaryColumn('text') version!: string;
  @Column('text') name!: string;
  @Column('jsonb') files!: PolicyFileRecord[];
  @Column('integer', { name: 'rule_count' }) ruleCount!: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  /** The API key id that sent it, or "boot" for the pack read from the policy folder. */
  @Column('text', { name: 'created_by' }) createdBy!: string;
  /** When the version last became active. */
  @Column('timestamptz', { name: 'activated_at', nullable: true }) activatedAt!: Date | null;
  @Column('boolean') active!: boolean;
}
