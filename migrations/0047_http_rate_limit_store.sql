-- 0047 http: the rate limits' shared store
--
-- What: an UNLOGGED table rate_limit_store (key, value bytea, expires_at) behind
--       RATE_LIMIT_STORE=postgres, and an index over expires_at for the cleanup of
--       expired rows.
-- Why:  several API replicas behind the proxy must count one client's requests
--       together; with the default memory store each replica counts its own. UNLOGGED:
--       the counters live for a minute or an hour, so they skip the WAL (each throttled
--       request writes a row) and are emptied after a crash, which only forgives a few
--       requests. Not replicated to standbys for the same reason.
-- rollback note: DROP TABLE rate_limit_store; and set RATE_LIMIT_STORE=memory (or
--       REDIS_URL) before deploying the previous image.

SET lock_timeout = '5s';
SET statement_timeout = '30s';

CREATE UNLOGGED TABLE rate_limit_store (
    key text PRIMARY KEY,
    value bytea NOT NULL,
    expires_at timestamptz,
    CONSTRAINT rate_limit_store_key_length CHECK (length(key) <= 1000)
);

COMMENT ON TABLE rate_limit_store IS
    'P1. Request counters of the rate limits, shared by the API replicas; a key names the limit group and the client address. Rows live at most an hour; not kept across a crash (UNLOGGED).';
COMMENT ON COLUMN rate_limit_store.key IS 'P1. The limit group and the client IP address.';
COMMENT ON COLUMN rate_limit_store.value IS 'P0. The counter (Litestar''s rate-limit history, JSON).';
COMMENT ON COLUMN rate_limit_store.expires_at IS 'P0. When the row stops counting; NULL: never.';

CREATE INDEX rate_limit_store_expires_at_idx ON rate_limit_store (expires_at);

RESET statement_timeout;
RESET lock_timeout;
