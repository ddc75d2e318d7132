import { AppError } from '../../service/errors.js';

/** Offset cursors over an in-memory list (the snapshot is immutable per version). */
export function paginate<T, V>(all: readonly T[], limit: number, cursor: string | null, view: (x: T) => V): { items: V[]; total: number; nextCursor: string | null } {
  let start = 0;
  if (cursor !== null) {
    start = Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10);
    if (!Number.isSafeInteger(start) || start < 0 || Buffer.from(String(start)).toString('base64url') !== cursor) {
      throw new AppError('BAD_REQUEST', `invalid cursor ${JSON.stringify(cursor)}`);
    }
  }
  const end = Math.min(all.length, start + limit);
  return {
    items: all.slice(start, end).map(view),
    total: all.length,
    nextCursor: end < all.length ? Buffer.from(String(end)).toString('base64url') : null,
  };
}
