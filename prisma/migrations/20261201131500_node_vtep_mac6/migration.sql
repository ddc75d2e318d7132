-- The MAC of a node's IPv6 VXLAN device (flannel-v6.1) when it has its own:
-- Flannel gives each device a MAC of its own, and an imported dual-stack node
-- says so in backend-v6-data. NULL: the same as vtep_mac (pinned or derived).
ALTER TABLE "node" ADD COLUMN "vtep_mac6" TEXT;
ALTER TABLE "node" ADD CONSTRAINT "node_vtep_mac6_canonical"
    CHECK ("vtep_mac6" ~ '^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$');
CREATE UNIQUE INDEX "node_cluster_id_vtep_mac6_key" ON "node"("cluster_id", "vtep_mac6") WHERE "vtep_mac6" IS NOT NULL;
