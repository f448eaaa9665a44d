-- 0059 analytics: the booking funnel's counts kept per quarter hour
--
-- What: booking_funnel_buckets (per 15-minute bucket of occurred_at and entry point: the
--       counts of booking.started, booking.slot_selected, booking.held and booking.paid)
--       and analytics_rollups (per roll-up: the received_at up to which every event has
--       been counted). The job analytics.funnel_rollup (sql/analytics/analytics.sql:
--       roll_up_booking_funnel) adds the events received since, up to the start of the
--       oldest transaction still open, so an event committed late is never skipped.
-- Why:  the owner's booking-funnel dashboard aggregated every funnel event of its
--       period (a month: ~84,000 events at 100 times the demo), so its time grew with the
--       traffic (p99 5.4 times from 10 to 1000 times the demo, bench/volume.py). Now it
--       sums at most 96 buckets a day per entry point and counts only the events not yet
--       rolled up. Quarter hours, because every time zone's offset is a multiple of 15
--       minutes: a bucket never straddles a local midnight.
--       The tables are new and empty: their keys are built here, in the transaction.
-- rollback note: DROP TABLE booking_funnel_buckets, analytics_rollups; the dashboard
--       of the previous release reads analytics_events only.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE booking_funnel_buckets (
    bucket timestamptz NOT NULL,
    entry_point text NOT NULL,
    started bigint NOT NULL DEFAULT 0,
    slot_selected bigint NOT NULL DEFAULT 0,
    held bigint NOT NULL DEFAULT 0,
    paid bigint NOT NULL DEFAULT 0,
    CONSTRAINT booking_funnel_buckets_pkey PRIMARY KEY (bucket, entry_point),
    CONSTRAINT booking_funnel_buckets_bucket_check CHECK (
        bucket = date_bin('15 minutes', bucket, TIMESTAMPTZ '2000-01-01 00:00+00')
    )
);

CREATE TABLE analytics_rollups (
    name text PRIMARY KEY,
    rolled_through timestamptz NOT NULL,
    CONSTRAINT analytics_rollups_name_check CHECK (name ~ '^[a-z_]{1,64}$')
);

INSERT INTO analytics_rollups (name, rolled_through) VALUES ('booking_funnel', '-infinity');

COMMENT ON TABLE booking_funnel_buckets IS 'P0 only: counts, no identity. The booking funnel per quarter hour (UTC-aligned) and entry point; purged with analytics_events.';
COMMENT ON TABLE analytics_rollups IS 'P0. Per roll-up, received_at up to which every analytics event has been counted.';
