import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many open or excepted findings an evaluation could not judge (the facts their rule reads
 * were missing: a script that timed out) and so kept as they were. Counted in the job's outcome
 * and the log only, an auditor reading the evaluation could not tell "still failing" from "not
 * looked at". Null for evaluations recorded before this column. docs/decisions/0003.
 */
export class EvaluationUnjudged1766100000000 implements MigrationInterface {
  name = 'EvaluationUnjudged1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations ADD COLUMN unjudged integer CHECK (unjudged >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations DROP COLUMN unjudged`);
  }
}
