-- podnet initial schema. Overlap and uniqueness live here, not only in code:
-- node blocks of one cluster can never overlap (exclusion constraints), pod
-- IPs and names are unique per cluster, and deleting a cluster cascades.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE "cluster" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "pod_cidrs" TEXT[],
    "node_mask_v4" INTEGER NOT NULL,
    "node_mask_v6" INTEGER NOT NULL,
    "service_cidr" INET,
    "mode" TEXT NOT NULL,
    "mtu" INTEGER NOT NULL,
    "bridge" TEXT NOT NULL,
    "vxlan_device" TEXT NOT NULL,
    "vxlan_vni" INTEGER NOT NULL,
    "vxlan_port" INTEGER NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "cluster_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "cluster_mode_check" CHECK ("mode" IN ('host-gw', 'vxlan', 'ipip', 'cross-subnet', 'bgp'))
);
CREATE UNIQUE INDEX "cluster_name_key" ON "cluster"("name");

CREATE TABLE "subnet" (
    "id" SERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "cidr" INET NOT NULL,
    "gateway" INET,
    CONSTRAINT "subnet_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "subnet_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "subnet_no_overlap" EXCLUDE USING gist ("cluster_id" WITH =, "cidr" inet_ops WITH &&)
);
CREATE UNIQUE INDEX "subnet_cluster_id_name_key" ON "subnet"("cluster_id", "name");

CREATE TABLE "reserved_range" (
    "id" SERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "cidr" INET NOT NULL,
    CONSTRAINT "reserved_range_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reserved_range_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "reserved_range_cluster_id_idx" ON "reserved_range"("cluster_id");

CREATE TABLE "node" (
    "id" SERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "interface" TEXT NOT NULL,
    "addr_family" SMALLINT NOT NULL,
    "address_v4" INET,
    "address_v6" INET,
    "subnet" TEXT,
    "pod_cidr_v4" INET,
    "pod_cidr_v6" INET,
    CONSTRAINT "node_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "node_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "node_addr_family_check" CHECK ("addr_family" IN (4, 6)),
    CONSTRAINT "node_address_present" CHECK ("address_v4" IS NOT NULL OR "address_v6" IS NOT NULL),
    CONSTRAINT "node_address_v4_family" CHECK ("address_v4" IS NULL OR family("address_v4") = 4),
    CONSTRAINT "node_address_v6_family" CHECK ("address_v6" IS NULL OR family("address_v6") = 6),
    CONSTRAINT "node_pod_cidr_v4_family" CHECK ("pod_cidr_v4" IS NULL OR family("pod_cidr_v4") = 4),
    CONSTRAINT "node_pod_cidr_v6_family" CHECK ("pod_cidr_v6" IS NULL OR family("pod_cidr_v6") = 6),
    -- The database's own guarantee that no two nodes' blocks overlap, whatever
    -- the concurrency or the number of service instances.
    CONSTRAINT "node_pod_cidr_v4_no_overlap" EXCLUDE USING gist ("cluster_id" WITH =, "pod_cidr_v4" inet_ops WITH &&),
    CONSTRAINT "node_pod_cidr_v6_no_overlap" EXCLUDE USING gist ("cluster_id" WITH =, "pod_cidr_v6" inet_ops WITH &&)
);
CREATE UNIQUE INDEX "node_cluster_id_name_key" ON "node"("cluster_id", "name");
CREATE UNIQUE INDEX "node_cluster_id_address_v4_key" ON "node"("cluster_id", "address_v4");
CREATE UNIQUE INDEX "node_cluster_id_address_v6_key" ON "node"("cluster_id", "address_v6");

CREATE TABLE "pod" (
    "id" SERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "node_id" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ip_v4" INET,
    "ip_v6" INET,
    CONSTRAINT "pod_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "pod_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "pod_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "node"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "pod_ip_present" CHECK ("ip_v4" IS NOT NULL OR "ip_v6" IS NOT NULL),
    CONSTRAINT "pod_ip_v4_family" CHECK ("ip_v4" IS NULL OR family("ip_v4") = 4),
    CONSTRAINT "pod_ip_v6_family" CHECK ("ip_v6" IS NULL OR family("ip_v6") = 6)
);
CREATE UNIQUE INDEX "pod_cluster_id_namespace_name_key" ON "pod"("cluster_id", "namespace", "name");
CREATE UNIQUE INDEX "pod_cluster_id_ip_v4_key" ON "pod"("cluster_id", "ip_v4");
CREATE UNIQUE INDEX "pod_cluster_id_ip_v6_key" ON "pod"("cluster_id", "ip_v6");
CREATE INDEX "pod_node_id_idx" ON "pod"("node_id");

CREATE TABLE "api_token" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used" TIMESTAMPTZ(3),
    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_token_scope_check" CHECK ("scope" IN ('read', 'write', 'admin'))
);
CREATE UNIQUE INDEX "api_token_name_key" ON "api_token"("name");
CREATE UNIQUE INDEX "api_token_hash_key" ON "api_token"("hash");
