-- A node's pinned VTEP MAC (issue 16: Flannel's backend-data VtepMAC of an
-- imported node). NULL: podnet derives it from the node's name. Stored in the
-- canonical form the service writes (lower case, ':'-separated, unicast);
-- unique per cluster among the pinned ones (the service also checks them
-- against the derived MACs of the other nodes).
ALTER TABLE "node" ADD COLUMN "vtep_mac" TEXT;
ALTER TABLE "node" ADD CONSTRAINT "node_vtep_mac_canonical"
    CHECK ("vtep_mac" ~ '^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$');
CREATE UNIQUE INDEX "node_cluster_id_vtep_mac_key" ON "node"("cluster_id", "vtep_mac") WHERE "vtep_mac" IS NOT NULL;
