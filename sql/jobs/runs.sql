-- Periodic jobs: one advisory lock and one job_runs row per job name.

-- name: try_lock(name)^
-- Held until the end of the transaction that runs the job.
SELECT pg_try_advisory_xact_lock(hashtextextended('job:' || :name, 0)) AS locked;

-- name: last_started(name)^
SELECT last_started_at FROM job_runs WHERE name = :name;

-- name: start_run(name, now)!
INSERT INTO job_runs (name, last_started_at, run_count)
VALUES (:name, :now, 1)
ON CONFLICT (name) DO UPDATE
SET last_started_at = excluded.last_started_at, run_count = job_runs.run_count + 1;

-- name: finish_run(name, now, last_error)!
UPDATE job_runs SET last_finished_at = :now, last_error = :last_error,
                    last_succeeded_at = CASE WHEN CAST(:last_error AS text) IS NULL THEN :now
                                             ELSE last_succeeded_at END
WHERE name = :name;

-- name: last_successes()
-- For /metrics: when each periodic job last finished without an error.
SELECT name, last_succeeded_at FROM job_runs WHERE last_succeeded_at IS NOT NULL ORDER BY name;
