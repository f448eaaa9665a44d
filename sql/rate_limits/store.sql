-- The rate limits' shared store (RATE_LIMIT_STORE=postgres): Litestar's key/value
-- Store over the UNLOGGED table rate_limit_store (0047). Time is the database's, the
-- one clock every replica shares. A NULL expiry never expires.

-- name: put(key, value, ttl_seconds)!
INSERT INTO rate_limit_store (key, value, expires_at)
VALUES (:key, :value, now() + make_interval(secs => CAST(:ttl_seconds AS double precision)))
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at;

-- name: fetch(key)^
-- An expired row is removed by the same statement that does not return it.
WITH expired AS (
    DELETE FROM rate_limit_store WHERE key = :key AND expires_at <= now()
)
SELECT value FROM rate_limit_store
WHERE key = :key AND (expires_at IS NULL OR expires_at > now());

-- name: fetch_renewed(key, ttl_seconds)^
-- A value with an expiry gets a fresh one; one without keeps none.
UPDATE rate_limit_store
SET expires_at = CASE WHEN expires_at IS NULL THEN NULL
                      ELSE now() + make_interval(secs => CAST(:ttl_seconds AS double precision))
                 END
WHERE key = :key AND (expires_at IS NULL OR expires_at > now())
RETURNING value;

-- name: remove(key)!
DELETE FROM rate_limit_store WHERE key = :key;

-- name: remove_all()!
DELETE FROM rate_limit_store;

-- name: remove_expired(batch_size)!
-- Run now and then by a writer; rows nobody reads again would otherwise stay.
DELETE FROM rate_limit_store
WHERE key IN (
    SELECT key FROM rate_limit_store WHERE expires_at <= now() LIMIT :batch_size
);

-- name: seconds_left(key)^
-- Whole seconds until the row expires (NULL: it never does); no row when absent or expired.
SELECT CAST(floor(extract(epoch FROM expires_at - now())) AS integer) AS seconds
FROM rate_limit_store
WHERE key = :key AND (expires_at IS NULL OR expires_at > now());
