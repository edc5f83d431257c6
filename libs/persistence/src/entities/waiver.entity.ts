import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An approved exception for one finding, in force until it expires or is revoked. */
@Entity('waivers')
export class WaiverEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('uuid', { name: 'finding_id' }) findingId!: string;
  @Column('text') justification!: string;
  @Column('text') approver!: string;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('uuid', { name: 'revoked_by', nullable: true }) revokedBy!: string | null;
  /** When the expiry was applied (the finding reopened). */
  @Column('timestamptz', { name: 'expired_at', nullable: true }) expiredAt!: Date | null;
}
