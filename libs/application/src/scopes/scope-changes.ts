import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

/**
 * In-process notice that a scope changed, so a scheduler in the same process re-syncs at once.
 * Schedulers in other processes catch up on their periodic sync from the database.
 */
@Injectable()
export class ScopeChanges {
  readonly changed$ = new Subject<string>();

  notify(scopeId: string): void {
    this.changed$.next(scopeId);
  }
}
