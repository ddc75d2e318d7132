// Every client command, in the order `podnet help` lists them, and the
// groups whose second word picks the command (`get pods`, `token list`).
import type { Command } from '../command.js';
import { apply } from './apply.js';
import { audit } from './audit.js';
import { deleteCluster, deleteNode, deletePod } from './delete.js';
import { diff } from './diff.js';
import { getCluster, getClusters, getNodes, getPods } from './get.js';
import { importCluster } from './import.js';
import { path } from './path.js';
import { routes } from './routes.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { verify } from './verify.js';

export const COMMANDS: Command[] = [
  apply, diff, getClusters, getCluster, getNodes, getPods, routes, path, verify, importCluster, audit,
  deleteCluster, deleteNode, deletePod, tokenCreate, tokenList, tokenRevoke,
];

/** Second words (and their aliases) of the grouped commands. */
export const GROUPS: Record<string, Record<string, string>> = {
  get: { clusters: 'clusters', cluster: 'cluster', nodes: 'nodes', node: 'nodes', pods: 'pods', pod: 'pods' },
  delete: { cluster: 'cluster', node: 'node', pod: 'pod' },
  token: { create: 'create', list: 'list', ls: 'list', revoke: 'revoke', delete: 'revoke' },
};
