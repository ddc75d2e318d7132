// The problems a definition reader finds: every one is collected as
// {path, message}, the first MAX_LISTED are listed, all are counted, and
// they are thrown as one AppError (see definition.ts for the code).
import { AppError, type FieldProblem } from '../errors.js';

const MAX_LISTED = 100;
export type ConflictCode = 'POD_CIDR_CONFLICT' | 'POD_IP_CONFLICT';

/** The problems found so far: the first MAX_LISTED are listed, all are counted. */
export class Problems {
  readonly listed: FieldProblem[] = [];
  private count = 0;
  private onlyConflicts = true;
  private conflictCode: ConflictCode | null = null;

  /** Once more problems were found than are listed, the answer is known: stop (a 300,000-item body stops at item 101). */
  add(path: string, message: string, conflict?: ConflictCode): void {
    this.count++;
    if (!conflict) this.onlyConflicts = false;
    else this.conflictCode ??= conflict;
    if (this.listed.length < MAX_LISTED) this.listed.push({ path, message });
    else this.throwIfAny(true);
  }

  throwIfAny(stoppedEarly = false): void {
    const first = this.listed[0];
    if (!first) return;
    const code = this.onlyConflicts && this.conflictCode ? this.conflictCode : 'VALIDATION_FAILED';
    const more = stoppedEarly ? ` (and more: validation stopped after ${this.count} problems; see errors)`
      : this.count > 1 ? ` (and ${this.count - 1} more; see errors)` : '';
    const extra = stoppedEarly ? { errorCount: this.count, errorsTruncated: true } : { errorCount: this.count };
    throw new AppError(code, `${first.path ? `${first.path}: ` : ''}${first.message}${more}`, { errors: this.listed, extra });
  }

  /** Throws; for the paths where nothing can be returned. */
  fail(): never {
    this.throwIfAny();
    throw new AppError('VALIDATION_FAILED', 'invalid input', { errors: [] });
  }
}
