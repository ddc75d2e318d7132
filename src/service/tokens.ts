// API tokens: random secrets shown once, stored only as a sha256 hash.
// Scopes are ordered read < write < admin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreConflict } from '../store/records.js';
import type { TokenRecord, TokenStore } from '../store/tokens.js';
import { AppError } from './errors.js';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

export function scopeAllows(have: Scope, need: Scope): boolean {
  return RANK[have] >= RANK[need];
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** 32 random bytes, base64url, with a prefix that makes leaked tokens greppable. */
export function newSecret(): string {
  return `pn_${randomBytes(32).toString('base64url')}`;
}

const NAME = /^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/;

export interface TokenInfo { name: string; scope: Scope; createdAt: string; lastUsed: string | null }

/** How long a verified token is trusted before it is looked up again (revocation delay across instances). */
const CACHE_MS = 5_000;

export class TokenService {
  private readonly cache = new Map<string, { scope: Scope | null; at: number }>();

  constructor(private readonly store: TokenStore) {}

  async create(name: unknown, scope: unknown): Promise<TokenInfo & { token: string }> {
    const errors = [];
    if (typeof name !== 'string' || !NAME.test(name)) errors.push({ path: 'name', message: 'expected 1-63 characters of a-z, 0-9, "-", "_" or "."' });
    if (typeof scope !== 'string' || !SCOPES.includes(scope as Scope)) errors.push({ path: 'scope', message: 'expected read, write or admin' });
    if (errors.length > 0) throw new AppError('VALIDATION_FAILED', `${errors[0]!.path}: ${errors[0]!.message}`, { errors });
    const token = newSecret();
    try {
      return { ...info(await this.store.create(name as string, scope as Scope, hashToken(token))), token };
    } catch (err) {
      if (err instanceof StoreConflict && err.code === 'TOKEN_EXISTS') throw new AppError('TOKEN_EXISTS', `a token named "${name as string}" already exists`);
      throw err;
    }
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.store.list()).map(info);
  }

  async revoke(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw new AppError('TOKEN_NOT_FOUND', `no token named "${name}"`);
    this.cache.clear();
  }

  async count(): Promise<number> {
    return this.store.count();
  }

  /** Makes `secret` a valid admin token named `name` (PODNET_ADMIN_TOKEN). */
  async ensure(name: string, secret: string, scope: Scope): Promise<void> {
    const hash = hashToken(secret);
    await this.store.upsert(name, scope, hash);
  }

  /** The scope of a presented secret, or null. */
  async scopeOf(secret: string): Promise<Scope | null> {
    const hash = hashToken(secret);
    const hit = this.cache.get(hash);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.scope;
    const row = await this.store.byHash(hash);
    // Compare hashes in constant time even though the lookup was by hash.
    const scope = row && timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash)) ? (row.scope as Scope) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { scope, at: now });
    if (row && (!row.lastUsed || now - row.lastUsed.getTime() > 60_000)) {
      this.store.touch(row.id, new Date(now)).catch(() => {});
    }
    return scope;
  }
}

function info(row: TokenRecord): TokenInfo {
  return { name: row.name, scope: row.scope as Scope, createdAt: row.createdAt.toISOString(), lastUsed: row.lastUsed?.toISOString() ?? null };
}
