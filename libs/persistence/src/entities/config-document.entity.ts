import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One distinct content of an asset's configuration document of one kind (and tag). Immutable: a
 * database trigger refuses UPDATE and DELETE. When it was in force is kept in config_states.
 */
@Entity('config_documents')
export class ConfigDocumentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('text') asset!: string;
  @Column('text') kind!: string;
  /** 'running' | 'startup', or '' when the document does not say. */
  @Column('text') tag!: string;
  /** For `json` documents: the registered schema they were validated against. */
  @Column('text', { name: 'schema_name', nullable: true }) schemaName!: string | null;
  @Column('char', { name: 'content_hash', length: 64 }) contentHash!: string;
  @Column('text') content!: string;
  @Column('jsonb') facts!: Record<string, unknown>;
  @Column('timestamptz', { name: 'collected_at' }) collectedAt!: Date;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  /** The API key id that submitted it. */
  @Column('text', { name: 'submitted_by' }) submittedBy!: string;
}

/** A JSON Schema registered for generic `json` documents. Immutable, like the documents. */
@Entity('config_schemas')
export class ConfigSchemaEntity {
  @PrimaryColumn('text') name!: string;
  @Column('jsonb') schema!: Record<string, unknown>;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('text', { name: 'created_by' }) createdBy!: string;
}
