-- name: record_crisis_flag(now, channel)!
-- A P0 count that someone wrote crisis words to the booking concierge: never the words,
-- and nothing that names the person (a crisis flag beside an identity is a health fact,
-- P2). The hour only, as the bot's bot.crisis_flag.
INSERT INTO analytics_events (event_name, occurred_at, props)
VALUES ('assistant.crisis_flag', date_trunc('hour', :now::timestamptz, 'UTC'),
        jsonb_build_object('channel', :channel::text));
