-- name: tokens_of_day(day)^
SELECT tokens FROM llm_token_days WHERE day = :day;

-- name: count_call(caller_hash, hour, limit)^
-- One more call in the caller's hour, unless the hour already has ``limit``: then no
-- row comes back and nothing is counted.
INSERT INTO assistant_call_counts (caller_hash, hour, calls)
VALUES (:caller_hash, :hour, 1)
ON CONFLICT (caller_hash, hour) DO UPDATE SET calls = assistant_call_counts.calls + 1
WHERE assistant_call_counts.calls < :limit
RETURNING calls;

-- name: add_tokens(day, tokens)!
INSERT INTO llm_token_days (day, tokens) VALUES (:day, :tokens)
ON CONFLICT (day) DO UPDATE SET tokens = llm_token_days.tokens + EXCLUDED.tokens;

-- name: purge_call_counts(before)!
DELETE FROM assistant_call_counts WHERE hour < :before;

-- name: purge_token_days(before)!
DELETE FROM llm_token_days WHERE day < :before;
