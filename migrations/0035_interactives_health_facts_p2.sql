-- 0035 interactives and moderation: health facts about a person are P2
--
-- What: (1) interactive_runs.result_encrypted: a run's result (level, profile, crisis
--       flag) in the enc:v1 envelope bound to the row. result_level, result_profile and
--       crisis_triggered are no longer written (crisis_triggered becomes nullable); the
--       values of older runs are moved into result_encrypted by the hourly
--       health_facts.seal_legacy job, and a later release drops the three columns.
--       (2) interactive_runs.claim_token_hash: SHA-256 of a secret returned once to the
--       browser that started a run anonymously; claiming the run after signing in
--       needs the secret, not only the browser's self-chosen anonymous id.
--       (3) ugc_item_authors: who wrote a question or review, as the user id beside the
--       item id encrypted (no timestamp, no foreign key to the item). ugc_items no
--       longer gets author_user_id or anonymous_id (the job moves older rows), so the
--       flags in ugc_triggers and the SLA sit beside no identity.
--       (4) what SQL alone can fix in existing rows: the result and crisis props leave
--       interactive.completed analytics events and lead timeline events, and the result
--       leaves self-check deep-link payloads; bot.crisis_flag events lose their user id
--       and question.submitted events their anonymous id; ugc_items lose anonymous_id.
-- Why:  a self-check result band or a crisis flag linked to an account (or to an
--       anonymous id that an account claimed) is health data about an identified
--       person (152-FZ Art. 10): encrypted, or not kept with the identity.
-- rollback note: not reversible without data loss once results are sealed (the
--       plaintext is gone). By hand: ALTER TABLE interactive_runs DROP COLUMN
--       result_encrypted, DROP COLUMN claim_token_hash; UPDATE interactive_runs SET
--       crisis_triggered = false WHERE crisis_triggered IS NULL; ALTER TABLE
--       interactive_runs ALTER COLUMN crisis_triggered SET NOT NULL; DROP TABLE
--       ugc_item_authors (loses which user wrote which item); restore the 0007 and
--       0015 comments. The props, ids and payload keys removed in (4) are gone.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- New nullable columns without a default: no rewrite; their checks pass on every
-- existing row (all NULL), so validating them costs one read of the table.
ALTER TABLE interactive_runs ADD COLUMN result_encrypted text
    CONSTRAINT interactive_runs_result_encrypted_check CHECK (result_encrypted LIKE 'enc:v1:%');
ALTER TABLE interactive_runs ADD COLUMN claim_token_hash bytea
    CONSTRAINT interactive_runs_claim_token_hash_check CHECK (octet_length(claim_token_hash) = 32);

-- The column's only writers and readers are the interactives code, which now writes
-- NULL (the flag lives in result_encrypted) and reads NULL as "sealed or not completed".
-- squawk-ignore ban-drop-not-null
ALTER TABLE interactive_runs ALTER COLUMN crisis_triggered DROP NOT NULL;

COMMENT ON TABLE interactive_runs IS 'P2. One taking of an interactive. Keeps only the computed aggregate, encrypted in result_encrypted: there is no answers column, ever (answers are P2 and are discarded after scoring).';
COMMENT ON COLUMN interactive_runs.result_encrypted IS 'P2. The result of a completed run as JSON {level, profile, crisis} in the enc:v1 envelope bound to the row: health data about whoever took it, once the run belongs to a user.';
COMMENT ON COLUMN interactive_runs.claim_token_hash IS 'P0 (secret-derived). SHA-256 of the 256-bit claim token returned once to the browser that started the run anonymously; claiming needs the token. NULL for a signed-in run and once claimed.';
COMMENT ON COLUMN interactive_runs.result_level IS 'P2. Legacy plaintext level (low, moderate, high) of runs completed before 0035; never written now (result_encrypted holds it). The health_facts.seal_legacy job moves old values there; a later release drops the column.';
COMMENT ON COLUMN interactive_runs.result_profile IS 'P2. Legacy plaintext profile code of runs completed before 0035; never written now (result_encrypted holds it). The health_facts.seal_legacy job moves old values there; a later release drops the column.';
COMMENT ON COLUMN interactive_runs.crisis_triggered IS 'P2. Legacy plaintext crisis flag of runs taken before 0035; never written now, NULL for newer runs (result_encrypted holds it). The health_facts.seal_legacy job moves old values there; a later release drops the column.';

CREATE TABLE ugc_item_authors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    item_encrypted text NOT NULL,
    CONSTRAINT ugc_item_authors_item_encrypted_check CHECK (item_encrypted LIKE 'enc:v1:%')
);

CREATE INDEX ugc_item_authors_user_id_idx ON ugc_item_authors (user_id);

COMMENT ON TABLE ugc_item_authors IS 'P2. Which user wrote which question or review: the user id beside the item id encrypted, so an item''s flags (crisis, self-harm) sit beside no identity. No timestamp and no foreign key to the item, on purpose: either would let a plain join link them.';
COMMENT ON COLUMN ugc_item_authors.user_id IS 'P0. The author; their cabinet, export and erasure find their items through this row.';
COMMENT ON COLUMN ugc_item_authors.item_encrypted IS 'P2. The ugc_items id the user wrote, in the enc:v1 envelope bound to this row.';

COMMENT ON COLUMN ugc_items.author_user_id IS 'P2 while set: legacy plaintext author of items written before 0035, beside their flags; never written now (ugc_item_authors holds the link encrypted). The health_facts.seal_legacy job moves old values there.';
COMMENT ON COLUMN ugc_items.anonymous_id IS 'P2 while set: legacy browser id of the asker of items written before 0035 (an id a signed-in visitor''s events also carry); never written now and cleared by the health_facts.seal_legacy job.';
COMMENT ON TABLE ugc_triggers IS 'P0. Flags raised on an item (automatic or by a moderator); flags only, never the matched text, and never beside the author (ugc_item_authors holds that link encrypted).';

-- (4) Existing rows. Each UPDATE touches only the rows it fixes (the analytics ones
-- through analytics_events_event_name_occurred_at_idx).
UPDATE analytics_events SET props = props - 'result' - 'crisis'
WHERE event_name = 'interactive.completed' AND props ?| ARRAY['result', 'crisis'];
UPDATE analytics_events SET user_id = NULL
WHERE event_name = 'bot.crisis_flag' AND user_id IS NOT NULL;
UPDATE analytics_events SET anonymous_id = NULL
WHERE event_name = 'question.submitted' AND anonymous_id IS NOT NULL;
UPDATE lead_timeline_events SET props = props - 'result' - 'crisis'
WHERE event_type = 'interactive.completed' AND props ?| ARRAY['result', 'crisis'];
UPDATE deep_links SET payload = payload - 'result'
WHERE purpose = 'interactive_result' AND payload ? 'result';
UPDATE ugc_items SET anonymous_id = NULL WHERE anonymous_id IS NOT NULL;
