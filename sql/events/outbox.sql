-- The transactional outbox: written by the unit of work, drained by the relay.

-- name: insert_event(event_id, event_type, aggregate_type, aggregate_id, payload, occurred_at, request_id)!
-- Written in the same transaction as the change that raised the event; a trigger sends
-- the relay's wake-up (NOTIFY, delivered at commit). request_id: the HTTP request (or
-- the event or job run) the change was made for, NULL if none.
INSERT INTO outbox_events (event_id, event_type, aggregate_type, aggregate_id, payload,
                           occurred_at, available_at, request_id)
VALUES (:event_id, :event_type, :aggregate_type, :aggregate_id, :payload,
        :occurred_at, :occurred_at, :request_id)
ON CONFLICT (event_id) DO NOTHING;

-- name: claim_due(now, lease_until, batch_size)
-- Takes a batch of due events for this relay: other relays skip the locked rows, and
-- the lease hides the claimed ones until it expires (a crashed relay's events return).
UPDATE outbox_events o
SET available_at = :lease_until, attempts = o.attempts + 1
FROM (
    SELECT id FROM outbox_events
    WHERE processed_at IS NULL AND parked_at IS NULL AND available_at <= :now
    ORDER BY available_at, id
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
) due
WHERE o.id = due.id
RETURNING o.id, o.event_id, o.event_type, o.aggregate_id, o.payload, o.occurred_at,
          o.attempts, coalesce(o.handled_by, '{}') AS handled_by, o.request_id;

-- name: mark_handled(id, handler)!
UPDATE outbox_events
SET handled_by = array_append(coalesce(handled_by, '{}'), :handler)
WHERE id = :id AND NOT (:handler = ANY(coalesce(handled_by, '{}')));

-- name: mark_processed(id, now)!
UPDATE outbox_events SET processed_at = :now, last_error = NULL WHERE id = :id;

-- name: reschedule(id, available_at, last_error)!
UPDATE outbox_events SET available_at = :available_at, last_error = :last_error WHERE id = :id;

-- name: park(id, now, last_error)!
UPDATE outbox_events SET parked_at = :now, last_error = :last_error WHERE id = :id;

-- name: purge_processed(before)!
-- Retention: processed events are kept a while for investigation, then removed.
DELETE FROM outbox_events WHERE processed_at < :before;

-- name: listen()!
-- Run on the relay's own autocommit connection; the outbox_events_notify trigger (0032)
-- wakes it when a transaction that wrote events commits.
LISTEN outbox_events;

-- name: announce_memory_change(memory)!
-- On the relay's channel, with the memory's name as payload: each API process forgets
-- that memory (see app/adapters/postgres/memory_invalidation.py); the relay only wakes
-- for one extra round. The triggers' own notifications carry an empty payload.
SELECT pg_notify('outbox_events', 'memory:' || :memory);
