import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { Role } from '@driftwatch/core';

export { ROLES, type Role } from '@driftwatch/core';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  /** The public part of the key ("dw_<prefix>_<secret>"), used to look the key up. */
  @Column('text') prefix!: string;
  /** sha256 of the secret part; the secret itself is shown once and never stored. */
  @Column('char', { name: 'secret_hash', length: 64 }) secretHash!: string;
  @Column('text') role!: Role;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
