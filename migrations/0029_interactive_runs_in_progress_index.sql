-- transactional: false
-- 0029 interactives: an index for the job that abandons unfinished runs
--
-- What: a partial index on interactive_runs (started_at) for runs still in progress.
-- Why:  the hourly job marks runs not completed within a day as abandoned; without
--       the index it reads every run ever taken. Built CONCURRENTLY (outside a
--       transaction) so taking self-checks is never blocked while it builds.
-- rollback note: DROP INDEX CONCURRENTLY interactive_runs_in_progress_started_at_idx.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS interactive_runs_in_progress_started_at_idx
    ON interactive_runs (started_at) WHERE status = 'in_progress';

RESET statement_timeout;
RESET lock_timeout;
