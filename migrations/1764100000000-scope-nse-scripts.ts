import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which allow-listed NSE scripts a scope's scans run (TLS, certificate, SSH, HTTP headers). */
export class ScopeNseScripts1764100000000 implements MigrationInterface {
  name = 'ScopeNseScripts1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE scopes ADD COLUMN scripts text[] NOT NULL
      DEFAULT '{ssl-enum-ciphers,ssl-cert,ssh2-enum-algos,ssh-auth-methods,http-headers}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scopes DROP COLUMN scripts`);
  }
}
