-- The same guarantees, cheaper to write (issue 12: a 150,000-pod apply spent
-- most of its database time in per-row constraint checks).
--
-- A pod referenced its cluster and its node with two foreign keys: two
-- lookups and two row locks per inserted pod. One composite key (cluster_id,
-- node_id) -> node (cluster_id, id) does both jobs in one check: the node
-- exists, it is in the pod's cluster, and deleting the node (or its cluster,
-- which cascades to its nodes) deletes its pods.
CREATE UNIQUE INDEX "node_cluster_id_id_key" ON "node"("cluster_id", "id");
ALTER TABLE "pod" DROP CONSTRAINT "pod_cluster_id_fkey";
ALTER TABLE "pod" DROP CONSTRAINT "pod_node_id_fkey";
ALTER TABLE "pod" ADD CONSTRAINT "pod_cluster_id_node_id_fkey"
    FOREIGN KEY ("cluster_id", "node_id") REFERENCES "node"("cluster_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Uniqueness of addresses and exclusion of overlapping blocks only concern
-- the rows that have them: a single-stack cluster no longer keeps an index
-- entry per pod (and per node) for a column that is NULL.
DROP INDEX "pod_cluster_id_ip_v4_key";
CREATE UNIQUE INDEX "pod_cluster_id_ip_v4_key" ON "pod"("cluster_id", "ip_v4") WHERE "ip_v4" IS NOT NULL;
DROP INDEX "pod_cluster_id_ip_v6_key";
CREATE UNIQUE INDEX "pod_cluster_id_ip_v6_key" ON "pod"("cluster_id", "ip_v6") WHERE "ip_v6" IS NOT NULL;
DROP INDEX "node_cluster_id_address_v4_key";
CREATE UNIQUE INDEX "node_cluster_id_address_v4_key" ON "node"("cluster_id", "address_v4") WHERE "address_v4" IS NOT NULL;
DROP INDEX "node_cluster_id_address_v6_key";
CREATE UNIQUE INDEX "node_cluster_id_address_v6_key" ON "node"("cluster_id", "address_v6") WHERE "address_v6" IS NOT NULL;
ALTER TABLE "node" DROP CONSTRAINT "node_pod_cidr_v4_no_overlap";
ALTER TABLE "node" ADD CONSTRAINT "node_pod_cidr_v4_no_overlap"
    EXCLUDE USING gist ("cluster_id" WITH =, "pod_cidr_v4" inet_ops WITH &&) WHERE ("pod_cidr_v4" IS NOT NULL);
ALTER TABLE "node" DROP CONSTRAINT "node_pod_cidr_v6_no_overlap";
ALTER TABLE "node" ADD CONSTRAINT "node_pod_cidr_v6_no_overlap"
    EXCLUDE USING gist ("cluster_id" WITH =, "pod_cidr_v6" inet_ops WITH &&) WHERE ("pod_cidr_v6" IS NOT NULL);
