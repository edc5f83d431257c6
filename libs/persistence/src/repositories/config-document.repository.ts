import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { ConfigDocumentEntity, ConfigSchemaEntity } from '@driftwatch/persistence/entities';

/**
 * One stream of documents: an asset's documents of one kind and tag ('' when untagged) and, for
 * kind `json`, one registered schema ('' for the built-in kinds). Each is in force on its own.
 */
export interface ConfigStreamKey {
  scopeId: string;
  asset: string;
  kind: string;
  tag: string;
  schema: string;
}

/** A stored document without its text. */
export type ConfigDocumentSummary = Omit<ConfigDocumentEntity, 'content'>;

/** The document in force for a stream, with its interval (and its text, when asked for). */
export interface ConfigStateRow<D extends ConfigDocumentSummary = ConfigDocumentSummary> {
  stateId: string;
  document: D;
  validFrom: Date;
  validTo: Date | null;
  lastConfirmedAt: Date;
  confirmations: number;
}

export interface ConfigChangeRow {
  id: string;
  scopeId: string;
  asset: string;
  kind: string;
  tag: string;
  /** The `json` document's schema ('' for the built-in kinds), from the document changed to. */
  schema: string;
  fromDocumentId: string | null;
  toDocumentId: string;
  detectedAt: Date;
  changes: unknown[];
  lineDiff: string;
  lineDiffTruncated: boolean;
}

export interface ConfigStateFilter {
  asset?: string;
  kind?: string;
  /** The states in force at this moment; the current ones when absent. */
  at?: Date;
}

// Lists and evaluations read facts, not the text (a ruleset's can be megabytes).
const STATE_COLUMNS = `s.id AS state_id, s.valid_from, s.valid_to, s.last_confirmed_at, s.confirmations,
  d.id, d.scope_id, d.asset, d.kind, d.tag, d.schema_name, d.content_hash, d.facts,
  d.collected_at, d.received_at, d.submitted_by`;

interface StateSqlRow {
  state_id: string;
  valid_from: Date;
  valid_to: Date | null;
  last_confirmed_at: Date;
  confirmations: number;
  id: string;
  scope_id: string;
  asset: string;
  kind: string;
  tag: string;
  schema_name: string | null;
  content_hash: string;
  content?: string;
  facts: Record<string, unknown>;
  collected_at: Date;
  received_at: Date;
  submitted_by: string;
}

/** Configuration documents, the intervals they were in force, and their changes. */
@Injectable()
export class ConfigDocumentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `fn` in a transaction that holds the stream's lock: submissions to one stream take turns. */
  async inStream<T>(key: ConfigStreamKey, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `config:${key.scopeId}:${key.asset}:${key.kind}:${key.tag}:${key.schema}`,
      ]);
      return fn(manager);
    });
  }

  /** The document in force of a stream, with the text the next one is line-diffed against. */
  async current(
    key: ConfigStreamKey,
    manager: EntityManager,
  ): Promise<ConfigStateRow<ConfigDocumentEntity> | null> {
    const rows: StateSqlRow[] = await manager.query(
      `SELECT ${STATE_COLUMNS}, d.content FROM config_states s JOIN config_documents d ON d.id = s.document_id
       WHERE s.scope_id = $1 AND s.asset = $2 AND s.kind = $3 AND s.tag = $4 AND s.schema_name = $5
         AND s.valid_to IS NULL`,
      [key.scopeId, key.asset, key.kind, key.tag, key.schema],
    );
    const row = rows[0];
    if (!row) return null;
    const state = stateOf(row);
    return { ...state, document: { ...state.document, content: row.content ?? '' } };
  }

  /** A stored document of the stream with this content (content comes back: A → B → A). */
  async findByHash(
    key: ConfigStreamKey,
    hash: string,
    manager: EntityManager,
  ): Promise<ConfigDocumentEntity | null> {
    return manager.getRepository(ConfigDocumentEntity).findOneBy({
      scopeId: key.scopeId,
      asset: key.asset,
      kind: key.kind,
      tag: key.tag,
      schemaName: key.schema === '' ? IsNull() : key.schema,
      contentHash: hash,
    });
  }

  async insertDocument(
    document: Omit<ConfigDocumentEntity, 'id'>,
    manager: EntityManager,
  ): Promise<ConfigDocumentEntity> {
    const repo = manager.getRepository(ConfigDocumentEntity);
    return repo.save(repo.create(document));
  }

  /** The same content again: the interval goes on, only its confirmation moves. */
  async confirm(stateId: string, at: Date, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE config_states SET last_confirmed_at = greatest(last_confirmed_at, $2), confirmations = confirmations + 1
       WHERE id = $1`,
      [stateId, at],
    );
  }

  async close(stateId: string, at: Date, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE config_states SET valid_to = $2 WHERE id = $1', [stateId, at]);
  }

  async open(key: ConfigStreamKey, documentId: string, at: Date, manager: EntityManager): Promise<string> {
    const [row]: { id: string }[] = await manager.query(
      `INSERT INTO config_states (scope_id, asset, kind, tag, schema_name, document_id, valid_from, last_confirmed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
      [key.scopeId, key.asset, key.kind, key.tag, key.schema, documentId, at],
    );
    return row.id;
  }

  /** The change's schema is its documents' (the stream's): it is not stored twice. */
  async insertChange(change: Omit<ConfigChangeRow, 'id'>, manager: EntityManager): Promise<string> {
    const [row]: { id: string }[] = await manager.query(
      `INSERT INTO config_changes (scope_id, asset, kind, tag, from_document_id, to_document_id, detected_at,
         changes, line_diff, line_diff_truncated)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        change.scopeId,
        change.asset,
        change.kind,
        change.tag,
        change.fromDocumentId,
        change.toDocumentId,
        change.detectedAt,
        JSON.stringify(change.changes),
        change.lineDiff,
        change.lineDiffTruncated,
      ],
    );
    return row.id;
  }

  /** The documents in force for a scope, now or at a past moment, by asset, kind and tag (without their text). */
  async states(scopeId: string, filter: ConfigStateFilter = {}): Promise<ConfigStateRow[]> {
    const params: unknown[] = [scopeId];
    const where = ['s.scope_id = $1'];
    if (filter.at) {
      params.push(filter.at);
      where.push(
        `s.valid_from <= $${params.length} AND (s.valid_to IS NULL OR s.valid_to > $${params.length})`,
      );
    } else where.push('s.valid_to IS NULL');
    if (filter.asset !== undefined) {
      params.push(filter.asset);
      where.push(`s.asset = $${params.length}`);
    }
    if (filter.kind !== undefined) {
      params.push(filter.kind);
      where.push(`s.kind = $${params.length}`);
    }
    const rows: StateSqlRow[] = await this.dataSource.query(
      `SELECT ${STATE_COLUMNS} FROM config_states s JOIN config_documents d ON d.id = s.document_id
       WHERE ${where.join(' AND ')} ORDER BY s.asset, s.kind, s.tag, s.schema_name`,
      params,
    );
    return rows.map(stateOf);
  }

  /** A scope's changes, newest first, optionally of one asset or kind. */
  async changes(
    scopeId: string,
    filter: { asset?: string; kind?: string },
    page: { limit: number; offset: number },
  ): Promise<{ items: ConfigChangeRow[]; total: number }> {
    const params: unknown[] = [scopeId];
    const where = ['c.scope_id = $1'];
    if (filter.asset !== undefined) {
      params.push(filter.asset);
      where.push(`c.asset = $${params.length}`);
    }
    if (filter.kind !== undefined) {
      params.push(filter.kind);
      where.push(`c.kind = $${params.length}`);
    }
    const [{ n }]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM config_changes c WHERE ${where.join(' AND ')}`,
      params,
    );
    const rows: {
      id: string;
      scope_id: string;
      asset: string;
      kind: string;
      tag: string;
      schema_name: string | null;
      from_document_id: string | null;
      to_document_id: string;
      detected_at: Date;
      changes: unknown[];
      line_diff: string;
      line_diff_truncated: boolean;
    }[] = await this.dataSource.query(
      `SELECT c.*, d.schema_name FROM config_changes c JOIN config_documents d ON d.id = c.to_document_id
       WHERE ${where.join(' AND ')}
       ORDER BY c.detected_at DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset],
    );
    return {
      total: Number(n),
      items: rows.map((r) => ({
        id: r.id,
        scopeId: r.scope_id,
        asset: r.asset,
        kind: r.kind,
        tag: r.tag,
        schema: r.schema_name ?? '',
        fromDocumentId: r.from_document_id,
        toDocumentId: r.to_document_id,
        detectedAt: r.detected_at,
        changes: r.changes,
        lineDiff: r.line_diff,
        lineDiffTruncated: r.line_diff_truncated,
      })),
    };
  }

  async document(id: string): Promise<ConfigDocumentEntity | null> {
    return this.dataSource.getRepository(ConfigDocumentEntity).findOneBy({ id });
  }

  async schema(name: string, manager?: EntityManager): Promise<ConfigSchemaEntity | null> {
    return (manager ?? this.dataSource.manager).getRepository(ConfigSchemaEntity).findOneBy({ name });
  }

  async schemas(): Promise<ConfigSchemaEntity[]> {
    return this.dataSource.getRepository(ConfigSchemaEntity).find({ order: { name: 'ASC' } });
  }

  /** Inserts, never updates: a name already taken fails with a unique violation. */
  async insertSchema(schema: ConfigSchemaEntity, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO config_schemas (name, schema, description, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
      [schema.name, JSON.stringify(schema.schema), schema.description, schema.createdAt, schema.createdBy],
    );
  }
}

function stateOf(r: StateSqlRow): ConfigStateRow {
  const document: ConfigDocumentSummary = {
    id: r.id,
    scopeId: r.scope_id,
    asset: r.asset,
    kind: r.kind,
    tag: r.tag,
    schemaName: r.schema_name,
    contentHash: r.content_hash,
    facts: r.facts,
    collectedAt: r.collected_at,
    receivedAt: r.received_at,
    submittedBy: r.submitted_by,
  };
  return {
    stateId: r.state_id,
    document,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    lastConfirmedAt: r.last_confirmed_at,
    confirmations: r.confirmations,
  };
}
