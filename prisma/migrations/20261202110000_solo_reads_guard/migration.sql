-- Solo reads (src/store/solo-lease.ts). A service instance that finds itself
-- the only one attached to this database takes the session-level advisory
-- lock (1886348398, 1) exclusively and, while it holds it, answers reads from
-- its snapshots without asking PostgreSQL for the cluster's version. That is
-- only sound if no one else can commit a change to a cluster meanwhile, and
-- this trigger is what makes it so: every statement that writes the cluster
-- table (every change to a cluster bumps its version there, in the same
-- transaction) first takes the same lock shared for its transaction. Held
-- exclusively by another session, the statement waits until the holder lets
-- go, which it does as soon as it sees a waiter (within one heartbeat); the
-- holder stops trusting its snapshots before it lets go. The holder's own
-- writes, on its other connections, pass: they carry its application_name.
-- While the writer holds the lock shared, no instance can become solo, so a
-- write in progress is never missed either.
CREATE OR REPLACE FUNCTION "podnet_solo_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_try_advisory_xact_lock_shared(1886348398, 1) THEN
    RETURN NULL;
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = 1886348398 AND l.objid = 1 AND l.objsubid = 2 AND l.mode = 'ExclusiveLock' AND l.granted
      AND l.pid <> pg_backend_pid()
      AND (SELECT a.application_name FROM pg_stat_get_activity(l.pid) a) = current_setting('application_name')
      AND current_setting('application_name') LIKE 'podnet %'
  ) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(1886348398, 1);
  RETURN NULL;
END $$;

CREATE TRIGGER "cluster_solo_guard"
  BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "cluster"
  FOR EACH STATEMENT EXECUTE FUNCTION "podnet_solo_guard"();
