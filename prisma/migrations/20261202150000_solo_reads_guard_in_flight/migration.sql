-- Solo reads, a hole closed (src/store/solo-lease.ts). The holder's own
-- writes passed the guard holding nothing, so an instance could become solo
-- while one of them was still uncommitted: the holder's lease session ends
-- (its heartbeats stopped, its connection was reset) while the write's own
-- connection lives on; another instance finds the solo lock free, reads the
-- version without that write, trusts it, and the write commits after. Now
-- such a write first takes (1886348398, 3) shared for its transaction, and
-- an instance that takes the solo lock lets it go again unless it can take
-- (1886348398, 3) exclusively right after: either the write is seen in
-- flight, or it comes later and finds a holder of another name, and waits.
CREATE OR REPLACE FUNCTION "podnet_solo_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_try_advisory_xact_lock_shared(1886348398, 1) THEN
    RETURN NULL;
  END IF;
  -- Before looking at who holds the lock: a holder that takes it after this point sees this write.
  PERFORM pg_advisory_xact_lock_shared(1886348398, 3);
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
