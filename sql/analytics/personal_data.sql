-- Analytics' part of data-subject export and erasure: the events recorded with the
-- person's account, under the anonymous ids whose self-checks they claimed, or about
-- their appointments (server-side funnel steps name the appointment).

-- name: export_events(user_id, anonymous_ids, lead_ids)
-- index: analytics_events_user_id_idx, _anonymous_id_idx, _appointment_idx (0038)
-- Three index look-ups, their rows united (an event found twice is one row: the id is in
-- the row). The person's appointments are a small list the planner sees, where
-- `= ANY(ARRAY(subquery))` was guessed at thousands of rows and started parallel
-- workers for a handful of events.
WITH theirs AS MATERIALIZED (
    SELECT a.id::text AS id FROM appointments AS a
    WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))
)
SELECT event_name, occurred_at, deep_link_code, props
FROM (
    SELECT e.id, e.event_name, e.occurred_at, e.deep_link_code, e.props
    FROM analytics_events AS e WHERE e.user_id = :user_id
    UNION
    SELECT e.id, e.event_name, e.occurred_at, e.deep_link_code, e.props
    FROM analytics_events AS e WHERE e.anonymous_id = ANY(CAST(:anonymous_ids AS text[]))
    UNION
    SELECT e.id, e.event_name, e.occurred_at, e.deep_link_code, e.props
    FROM theirs
    JOIN analytics_events AS e
      ON e.props ->> 'appointment' = theirs.id AND e.props ->> 'appointment' IS NOT NULL
) AS found
ORDER BY occurred_at, id;

-- name: erase_events(user_id, anonymous_ids, lead_ids)!
-- Deleted rather than stripped: a person's self-check results and crisis flags are
-- health facts, and their times alone could tie a stripped row back to the account.
-- index: as export_events
DELETE FROM analytics_events AS e
WHERE e.user_id = :user_id
   OR e.anonymous_id = ANY(CAST(:anonymous_ids AS text[]))
   OR e.props ->> 'appointment' = ANY(ARRAY(
       SELECT a.id::text FROM appointments AS a
       WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))));
