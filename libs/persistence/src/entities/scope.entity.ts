import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { PortSpecEntry } from '@driftwatch/core';

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
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
}
