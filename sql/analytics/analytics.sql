-- Product analytics: intake, server-side funnel events, retention, and the owner's
-- dashboards (each one query, served by the index named above it).

-- name: record(event_name, occurred_at, user_id, anonymous_id, deep_link_code, props)!
INSERT INTO analytics_events (event_name, occurred_at, user_id, anonymous_id, deep_link_code,
                              props)
VALUES (:event_name, :occurred_at, :user_id, :anonymous_id, :deep_link_code, :props);

-- name: record_appointment_step(event_name, appointment_id, occurred_at)!
-- A server-side funnel step for an appointment, once (handlers may run again).
INSERT INTO analytics_events (event_name, occurred_at, user_id, props)
SELECT :event_name, :occurred_at, a.client_user_id,
       jsonb_build_object('appointment', a.id::text, 'service', s.slug,
                          'entry_point', coalesce(a.metadata ->> 'entry_point',
                                                  a.metadata ->> 'source', 'web'))
FROM appointments AS a JOIN services AS s ON s.id = a.service_id
WHERE a.id = :appointment_id
  AND NOT EXISTS (SELECT 1 FROM analytics_events AS e
                  WHERE e.event_name = :event_name
                    AND e.props ->> 'appointment' = a.id::text);

-- name: purge(before)!
DELETE FROM analytics_events WHERE occurred_at < :before;

-- name: booking_funnel_mark()^
-- NULL until the first roll-up ('-infinity' has no Python datetime).
SELECT CASE WHEN isfinite(rolled_through) THEN rolled_through END AS rolled_through
FROM analytics_rollups WHERE name = 'booking_funnel';

-- name: booking_funnel(date_from, date_to, tz, since)
-- index: booking_funnel_buckets_pkey (0059); analytics_events_funnel_received_at_idx (0060)
-- The rolled-up quarter hours of the period plus the funnel events received since the
-- roll-up's mark, in one snapshot (so an event is counted in exactly one of them). The
-- period's bounds are local midnights: quarter hours, like the buckets. :since is the
-- mark as read just before (booking_funnel_mark): with it the planner knows how few
-- events are not rolled up yet and reads them from the received_at index; the mark in
-- this statement's snapshot (never older) decides.
WITH mark AS (
    SELECT rolled_through FROM analytics_rollups WHERE name = 'booking_funnel'
), counted AS (
    SELECT b.bucket AS at, b.entry_point, b.started, b.slot_selected, b.held, b.paid
    FROM booking_funnel_buckets AS b
    WHERE b.bucket >= :date_from AND b.bucket < :date_to
    UNION ALL
    SELECT e.occurred_at, coalesce(e.props ->> 'entry_point', 'web'),
           (e.event_name = 'booking.started')::int, (e.event_name = 'booking.slot_selected')::int,
           (e.event_name = 'booking.held')::int, (e.event_name = 'booking.paid')::int
    FROM analytics_events AS e
    WHERE e.event_name IN ('booking.started', 'booking.slot_selected', 'booking.held',
                           'booking.paid')
      AND e.received_at >= coalesce(:since::timestamptz, '-infinity')
      AND e.received_at >= coalesce((SELECT rolled_through FROM mark), '-infinity')
      AND e.occurred_at >= :date_from AND e.occurred_at < :date_to
)
SELECT (c.at AT TIME ZONE :tz)::date AS day, c.entry_point,
       sum(c.started)::bigint AS started, sum(c.slot_selected)::bigint AS slot_selected,
       sum(c.held)::bigint AS held, sum(c.paid)::bigint AS paid
FROM counted AS c
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: roll_up_booking_funnel(settle)^
-- index: analytics_events_funnel_received_at_idx (0060)
-- Adds the funnel events received since the mark to their quarter hours and moves the
-- mark. It stops :settle ago (a minute, for clock steps), and before the start of the
-- oldest transaction still open in this database: an event's received_at is its transaction's start, so an event
-- not yet committed is never older than that, and none is skipped or counted twice.
-- The mark's row lock keeps two runs from adding the same events.
WITH mark AS (
    SELECT rolled_through FROM analytics_rollups WHERE name = 'booking_funnel' FOR UPDATE
), cut AS (
    SELECT least(now() - :settle,
                 (SELECT min(a.xact_start) FROM pg_stat_activity AS a
                  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                    AND a.xact_start IS NOT NULL)) AS at
), fresh AS (
    SELECT date_bin('15 minutes', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00+00') AS bucket,
           coalesce(e.props ->> 'entry_point', 'web') AS entry_point,
           count(*) FILTER (WHERE e.event_name = 'booking.started') AS started,
           count(*) FILTER (WHERE e.event_name = 'booking.slot_selected') AS slot_selected,
           count(*) FILTER (WHERE e.event_name = 'booking.held') AS held,
           count(*) FILTER (WHERE e.event_name = 'booking.paid') AS paid,
           count(*) AS events
    FROM analytics_events AS e, mark, cut
    WHERE e.event_name IN ('booking.started', 'booking.slot_selected', 'booking.held',
                           'booking.paid')
      AND e.received_at >= mark.rolled_through AND e.received_at < cut.at
    GROUP BY 1, 2
), added AS (
    INSERT INTO booking_funnel_buckets AS b
        (bucket, entry_point, started, slot_selected, held, paid)
    SELECT f.bucket, f.entry_point, f.started, f.slot_selected, f.held, f.paid FROM fresh AS f
    ON CONFLICT (bucket, entry_point) DO UPDATE
    SET started = b.started + excluded.started,
        slot_selected = b.slot_selected + excluded.slot_selected,
        held = b.held + excluded.held, paid = b.paid + excluded.paid
), moved AS (
    UPDATE analytics_rollups AS r SET rolled_through = cut.at
    FROM mark, cut
    WHERE r.name = 'booking_funnel' AND cut.at > mark.rolled_through
    RETURNING r.rolled_through
)
SELECT (SELECT coalesce(sum(f.events), 0) FROM fresh AS f)::bigint AS events,
       (SELECT m.rolled_through FROM moved AS m) AS rolled_through;

-- name: purge_booking_funnel(before)!
-- The quarter hours that ended before the analytics retention's cut go with their events.
DELETE FROM booking_funnel_buckets WHERE bucket <= :before - interval '15 minutes';

-- name: interactive_runs(date_from, date_to)
-- index: interactive_runs_definition_id_started_at_idx
SELECT d.slug, count(r.id) AS started,
       count(r.id) FILTER (WHERE r.status = 'completed') AS completed
FROM interactive_definitions AS d
JOIN interactive_runs AS r
  ON r.definition_id = d.id AND r.started_at >= :date_from AND r.started_at < :date_to
GROUP BY d.slug
ORDER BY d.slug;

-- name: moderation_sla(date_from, date_to, now)^
-- index: ugc_items_created_at_idx (0031); moderation_actions_ugc_item_id_created_at_idx
WITH items AS (
    SELECT i.id, i.created_at, i.sla_due_at,
           (SELECT min(a.created_at) FROM moderation_actions AS a
            WHERE a.ugc_item_id = i.id) AS first_action_at
    FROM ugc_items AS i
    WHERE i.created_at >= :date_from AND i.created_at < :date_to
)
SELECT count(*) AS items_total,
       count(first_action_at) AS items_handled,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM first_action_at - created_at))
           FILTER (WHERE first_action_at IS NOT NULL) AS median_seconds,
       percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM first_action_at - created_at))
           FILTER (WHERE first_action_at IS NOT NULL) AS p90_seconds,
       count(*) FILTER (WHERE coalesce(first_action_at, :now) > sla_due_at) AS breaches
FROM items;

-- name: no_show_rate(date_from, date_to)
-- index: appointments_start_at_idx
SELECT s.slug, s.title,
       count(*) FILTER (WHERE a.status = 'completed') AS completed,
       count(*) FILTER (WHERE a.status = 'no_show') AS no_show
FROM appointments AS a JOIN services AS s ON s.id = a.service_id
WHERE a.start_at >= :date_from AND a.start_at < :date_to
  AND a.status IN ('completed', 'no_show')
GROUP BY s.slug, s.title
ORDER BY s.slug;

-- name: purge_webhook_events(before)!
-- Provider notifications already handled, past their retention.
DELETE FROM provider_webhook_events WHERE received_at < :before AND processed_at IS NOT NULL;
