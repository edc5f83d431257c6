import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each evaluation left the findings' history: the last finding_transitions and
 * finding_versions ids when it was recorded. An evaluation's exports read the findings as that
 * evaluation left them; reading "as of its moment" could not tell two evaluations of the same
 * moment apart (a re-evaluation under a new policy, or an older import whose time the writer moves
 * up to the scope's latest), so the later one changed the earlier one's OSCAL document and
 * evidence bundle. Null for evaluations recorded before this column: they keep the reading by
 * moment. docs/decisions/0016, decision 11.
 */
export class EvaluationFindingMarks1765700000000 implements MigrationInterface {
  name = 'EvaluationFindingMarks1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE evaluations ADD COLUMN transitions_through bigint, ADD COLUMN versions_through bigint`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluations DROP COLUMN transitions_through, DROP COLUMN versions_through`);
  }
}
