// API tokens, through Prisma Client: only the sha256 hash of a secret is stored.
import type { PrismaClient } from '../generated/prisma/client.js';
import { asConflict } from './failures.js';

export interface TokenRecord { id: number; name: string; scope: string; hash: string; createdAt: Date; lastUsed: Date | null }

export class TokenStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** The new token's row; a StoreConflict TOKEN_EXISTS when the name is taken. */
  async create(name: string, scope: string, hash: string): Promise<TokenRecord> {
    try {
      return await this.prisma.apiToken.create({ data: { name, scope, hash } });
    } catch (err) {
      throw asConflict(err) ?? err;
    }
  }

  list(): Promise<TokenRecord[]> {
    return this.prisma.apiToken.findMany({ orderBy: { name: 'asc' } });
  }

  /** False when there was no token of that name. */
  async delete(name: string): Promise<boolean> {
    return (await this.prisma.apiToken.deleteMany({ where: { name } })).count > 0;
  }

  count(): Promise<number> {
    return this.prisma.apiToken.count();
  }

  async upsert(name: string, scope: string, hash: string): Promise<void> {
    await this.prisma.apiToken.upsert({ where: { name }, create: { name, scope, hash }, update: { scope, hash } });
  }

  byHash(hash: string): Promise<TokenRecord | null> {
    return this.prisma.apiToken.findUnique({ where: { hash } });
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.prisma.apiToken.update({ where: { id }, data: { lastUsed: at } });
  }
}
