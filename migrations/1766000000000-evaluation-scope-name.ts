import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scope's name when the evaluation was recorded. The OSCAL export of an evaluation names its
 * scope in titles, descriptions and props; read from the scope row, a rename changed the bytes of
 * every past evaluation's document, and a hash handed to an auditor no longer matched. Null for
 * evaluations recorded before this column: they keep naming the scope as it is now.
 * docs/decisions/0016, decision 12.
 */
export class EvaluationScopeName1766000000000 implements MigrationInterface {
  name = 'EvaluationScopeName1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations ADD COLUMN scope_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations DROP COLUMN scope_name`);
  }
}
