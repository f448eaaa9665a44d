-- Interactives' part of data-subject export and erasure (the runs themselves are read
-- and deleted by interactives.sql).

-- name: claimed_anonymous_ids(user_id)
-- The anonymous ids under which the person took self-checks they then claimed while
-- signed in: their analytics events are the person's too.
SELECT DISTINCT anonymous_id FROM interactive_runs
WHERE user_id = :user_id AND anonymous_id IS NOT NULL
ORDER BY anonymous_id;
