-- Events are numbered after they commit (issue 16). Until now a writer drew an event's sequence
-- at INSERT and held the event log's advisory lock through COMMIT so that sequences followed
-- commit order: every write with an event waited for the one before it to flush, and no two
-- of them could share a WAL flush. Now a writer inserts its events with no sequence and takes
-- no lock. Readers of the log first number what has committed (homework_number_events): under
-- the same advisory lock, in one short transaction, the committed unnumbered events get the next
-- sequences in arrival order. A pass only sees committed rows and every pass numbers above the
-- last, so a watcher that resumes after the last sequence it saw still misses nothing; a write's
-- events keep their order (arrivals are drawn in insert order); and there are no gaps.
ALTER TABLE events ALTER COLUMN sequence DROP IDENTITY;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN sequence DROP NOT NULL;
-- The order the rows were inserted in; the rows already there keep their sequences.
ALTER TABLE events ADD COLUMN arrival BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE UNIQUE INDEX events_by_sequence ON events (sequence);
-- The events still to number, for the pass below.
CREATE INDEX events_to_number ON events (arrival) WHERE sequence IS NULL;

-- Numbers up to `batch` committed events that have no sequence yet, oldest arrival first, after
-- the largest sequence; returns how many. Holds the advisory lock `lock_key` (the store's
-- kPostgresEventLogLockKey) until the caller's transaction ends, so passes run one at a time
-- and each one's numbers become visible, whole, before the next pass starts.
CREATE FUNCTION homework_number_events(lock_key BIGINT, batch BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
  numbered BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  -- A statement after the lock: its snapshot sees the previous pass's numbers.
  WITH newest AS (SELECT COALESCE(MAX(sequence), 0) AS sequence FROM events),
       waiting AS (SELECT arrival, row_number() OVER (ORDER BY arrival) AS place
                   FROM events WHERE sequence IS NULL ORDER BY arrival LIMIT batch)
  UPDATE events SET sequence = newest.sequence + waiting.place
  FROM newest, waiting
  WHERE events.arrival = waiting.arrival;
  GET DIAGNOSTICS numbered = ROW_COUNT;
  RETURN numbered;
END
$$;
