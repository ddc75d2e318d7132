-- The pod → node key, checked once per statement instead of once per row
-- (issue 12). A foreign key runs one lookup and one row lock per inserted
-- pod: ~1.4 s of a 150,000-pod apply's database time. The same guarantees,
-- set-based, with transition tables:
--
-- - every inserted or updated pod's (cluster_id, node_id) is a node of that
--   cluster, its node locked FOR KEY SHARE as a foreign key would lock it (so
--   a concurrent delete of the node waits); otherwise SQLSTATE 23503 under the
--   old constraint's name;
-- - deleting nodes (directly, or by deleting their cluster) deletes their pods.
--   Not in a REPEATABLE READ transaction, which is refused: its snapshot can
--   predate a pod that a concurrent transaction added to the node and
--   committed while the delete waited for its lock, and the pod would be left
--   without its node (a foreign key cross-checks with a newer snapshot; a
--   trigger cannot). READ COMMITTED sees that pod, and SERIALIZABLE fails one
--   of the two transactions. podnet writes at READ COMMITTED. TRUNCATE of
--   node empties pod too;
-- - a node's (cluster_id, id) never changes while it exists (the foreign key
--   cascaded such updates; nothing updates them).
ALTER TABLE "pod" DROP CONSTRAINT "pod_cluster_id_node_id_fkey";

CREATE FUNCTION "podnet_pod_node_exists"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  PERFORM 1 FROM "node" n
    WHERE (n."cluster_id", n."id") IN (SELECT DISTINCT p."cluster_id", p."node_id" FROM "new_pods" p)
    FOR KEY SHARE OF n;
  SELECT p."cluster_id", p."node_id" INTO missing FROM "new_pods" p
    WHERE NOT EXISTS (SELECT 1 FROM "node" n WHERE n."cluster_id" = p."cluster_id" AND n."id" = p."node_id")
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "pod" violates foreign key constraint "pod_cluster_id_node_id_fkey"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'pod_cluster_id_node_id_fkey', TABLE = 'pod',
            DETAIL = format('Key (cluster_id, node_id)=(%s, %s) is not present in table "node".', missing."cluster_id", missing."node_id");
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "pod_node_exists_after_insert" AFTER INSERT ON "pod"
  REFERENCING NEW TABLE AS "new_pods" FOR EACH STATEMENT EXECUTE FUNCTION "podnet_pod_node_exists"();
CREATE TRIGGER "pod_node_exists_after_update" AFTER UPDATE ON "pod"
  REFERENCING NEW TABLE AS "new_pods" FOR EACH STATEMENT EXECUTE FUNCTION "podnet_pod_node_exists"();

CREATE FUNCTION "podnet_node_delete_pods"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'nodes cannot be deleted in a REPEATABLE READ transaction (their pods could be missed): use READ COMMITTED or SERIALIZABLE'
      USING ERRCODE = 'feature_not_supported', TABLE = 'node';
  END IF;
  DELETE FROM "pod" p USING "old_nodes" o WHERE p."cluster_id" = o."cluster_id" AND p."node_id" = o."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "node_delete_pods_after_delete" AFTER DELETE ON "node"
  REFERENCING OLD TABLE AS "old_nodes" FOR EACH STATEMENT EXECUTE FUNCTION "podnet_node_delete_pods"();

-- After the truncation: nothing left if the same TRUNCATE named pod too.
CREATE FUNCTION "podnet_node_truncate_pods"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "pod";
  RETURN NULL;
END $$;

CREATE TRIGGER "node_truncate_pods_after_truncate" AFTER TRUNCATE ON "node"
  FOR EACH STATEMENT EXECUTE FUNCTION "podnet_node_truncate_pods"();

CREATE FUNCTION "podnet_node_key_fixed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the key (cluster_id, id) of node % cannot change', OLD."id"
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'pod_cluster_id_node_id_fkey', TABLE = 'node';
END $$;

CREATE TRIGGER "node_key_fixed_before_update" BEFORE UPDATE OF "cluster_id", "id" ON "node"
  FOR EACH ROW WHEN (OLD."cluster_id" IS DISTINCT FROM NEW."cluster_id" OR OLD."id" IS DISTINCT FROM NEW."id")
  EXECUTE FUNCTION "podnet_node_key_fixed"();

-- Cascaded deletes find a node's pods by (cluster_id, node_id).
DROP INDEX "pod_node_id_idx";
CREATE INDEX "pod_cluster_id_node_id_idx" ON "pod"("cluster_id", "node_id");
