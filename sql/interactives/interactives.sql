-- Interactives: published definitions, runs (aggregates only) and the admin's versions.

-- name: list_published()
SELECT d.slug, d.interactive_type, d.title, d.description, d.topic_code, d.published_at
FROM interactive_definitions AS d
WHERE d.status = 'published'
ORDER BY d.published_at DESC, d.slug;

-- name: get_published(slug)^
SELECT d.id, d.slug, d.interactive_type, d.title, d.description, d.topic_code,
       v.id AS version_id, v.version_no, v.config
FROM interactive_definitions AS d
JOIN interactive_versions AS v ON v.id = d.published_version_id
WHERE d.slug = :slug AND d.status = 'published';

-- name: insert_run(id, definition_id, version_id, user_id, anonymous_id, claim_token_hash, metadata, now)!
-- crisis_triggered is a legacy column (0035): NULL, the flag goes to result_encrypted.
INSERT INTO interactive_runs (id, definition_id, version_id, user_id, anonymous_id,
                              claim_token_hash, started_at, status, crisis_triggered, metadata)
VALUES (:id, :definition_id, :version_id, :user_id, :anonymous_id, :claim_token_hash, :now,
        'in_progress', NULL, :metadata);

-- name: lock_run(id)^
-- The run with the version that scores it (not the definition's current one).
SELECT r.id, r.user_id, r.anonymous_id, r.status, r.started_at, v.config, d.slug
FROM interactive_runs AS r
JOIN interactive_versions AS v ON v.id = r.version_id
JOIN interactive_definitions AS d ON d.id = r.definition_id
WHERE r.id = :id
FOR UPDATE OF r;

-- name: complete_run(id, result_encrypted, duration_ms, now)!
-- The result only encrypted; the legacy plaintext columns stay NULL.
UPDATE interactive_runs
SET status = 'completed', completed_at = :now, result_encrypted = :result_encrypted,
    result_level = NULL, result_profile = NULL, crisis_triggered = NULL,
    duration_ms = :duration_ms
WHERE id = :id AND status = 'in_progress';

-- name: claim_runs(user_id, anonymous_id, token_hashes)!
-- Runs a visitor took before signing in become the user's: only those whose claim
-- token the browser shows (the anonymous id alone is chosen by the client). Each token
-- works once.
UPDATE interactive_runs SET user_id = :user_id, claim_token_hash = NULL
WHERE anonymous_id = :anonymous_id AND user_id IS NULL
  AND claim_token_hash = ANY(:token_hashes);

-- name: runs_of_user(user_id)
-- result_level, result_profile, crisis_triggered: legacy rows not yet sealed (0035).
SELECT r.id, d.slug, d.title, r.status, r.started_at, r.completed_at, r.result_encrypted,
       r.result_level, r.result_profile, r.crisis_triggered
FROM interactive_runs AS r
JOIN interactive_definitions AS d ON d.id = r.definition_id
WHERE r.user_id = :user_id
ORDER BY r.started_at DESC;

-- name: abandon_runs(before)!
-- Job: runs left unfinished for a day.
UPDATE interactive_runs SET status = 'abandoned'
WHERE status = 'in_progress' AND started_at < :before;

-- name: erase_runs(user_id)!
DELETE FROM interactive_runs WHERE user_id = :user_id;

-- name: legacy_results(limit)
-- Job: runs still holding a plaintext result (written before 0035), a batch at a time.
SELECT id, status, result_level, result_profile, crisis_triggered
FROM interactive_runs
WHERE result_encrypted IS NULL
  AND (result_level IS NOT NULL OR result_profile IS NOT NULL OR crisis_triggered IS NOT NULL)
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: seal_result(id, result_encrypted)!
UPDATE interactive_runs
SET result_encrypted = :result_encrypted, result_level = NULL, result_profile = NULL,
    crisis_triggered = NULL
WHERE id = :id;

-- name: published_content(slugs)
-- Recommended reading that is published now, in the order the config names it.
SELECT c.type, c.slug, c.title, c.summary
FROM content_items AS c
WHERE c.slug = ANY(:slugs) AND c.status = 'published'
ORDER BY array_position(:slugs, c.slug::text);

-- name: published_services(slugs)
SELECT s.slug, s.title, s.duration_minutes, s.price_amount AS price, s.currency
FROM services AS s
WHERE s.slug = ANY(:slugs) AND s.status = 'published'
ORDER BY array_position(:slugs, s.slug::text);

-- Admin ---------------------------------------------------------------------------------

-- name: list_definitions()
SELECT d.id, d.slug, d.interactive_type, d.title, d.description, d.topic_code, d.status,
       d.published_version_id, d.published_at, d.updated_at, d.version,
       (SELECT max(v.version_no) FROM interactive_versions AS v
        WHERE v.definition_id = d.id) AS latest_version_no
FROM interactive_definitions AS d
ORDER BY d.updated_at DESC, d.id;

-- name: get_definition(id)^
SELECT d.id, d.slug, d.interactive_type, d.title, d.description, d.topic_code, d.status,
       d.published_version_id, d.published_at, d.updated_at, d.version,
       (SELECT max(v.version_no) FROM interactive_versions AS v
        WHERE v.definition_id = d.id) AS latest_version_no
FROM interactive_definitions AS d
WHERE d.id = :id;

-- name: insert_definition(id, slug, interactive_type, title, description, topic_code, now)!
INSERT INTO interactive_definitions (id, slug, interactive_type, title, description, topic_code,
                                     status, created_at, updated_at)
VALUES (:id, :slug, :interactive_type, :title, :description, :topic_code, 'draft', :now, :now);

-- name: update_definition(id, version, title, description, topic_code, now)^
UPDATE interactive_definitions
SET title = :title, description = :description, topic_code = :topic_code, updated_at = :now,
    version = version + 1
WHERE id = :id AND version = :version
RETURNING id;

-- name: insert_version(id, definition_id, config, created_by, now)^
-- The next number for this definition; the definition row lock orders concurrent adds.
INSERT INTO interactive_versions (id, definition_id, version_no, config, created_at, created_by)
SELECT :id, d.id,
       coalesce((SELECT max(v.version_no) FROM interactive_versions AS v
                 WHERE v.definition_id = d.id), 0) + 1,
       :config, :now, :created_by
FROM (SELECT id FROM interactive_definitions WHERE id = :definition_id FOR UPDATE) AS d
RETURNING version_no;

-- name: get_version(definition_id, version_no)^
SELECT id, version_no, config, created_at
FROM interactive_versions
WHERE definition_id = :definition_id AND version_no = :version_no;

-- name: publish_version(id, version_id, now)^
UPDATE interactive_definitions
SET status = 'published', published_version_id = :version_id, published_at = :now,
    updated_at = :now, version = version + 1
WHERE id = :id
RETURNING id;

-- name: archive_definition(id, now)^
UPDATE interactive_definitions
SET status = 'archived', updated_at = :now, version = version + 1
WHERE id = :id
RETURNING id;
