-- 0007 interactive: self-check definitions, their versions, and runs
--
-- What: interactive definitions (quiz, navigator, thermometer, ...), immutable
--       versions holding the JSON config (questions, scoring bands, crisis rule,
--       recommendations), and runs that keep only the computed aggregate.
-- Why:  answers are P2 and are never stored: a run records level, profile and the
--       crisis flag, nothing else. A published version never changes, so every run
--       can be explained by the exact config that scored it.
-- rollback note: DROP TABLE interactive_runs, interactive_versions CASCADE,
--       interactive_definitions; DROP FUNCTION interactive_versions_frozen();

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE interactive_definitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    interactive_type text NOT NULL,
    title text NOT NULL,
    description text,
    topic_code text REFERENCES topics (code) ON UPDATE CASCADE ON DELETE RESTRICT,
    status text NOT NULL DEFAULT 'draft',
    published_version_id uuid,
    published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT interactive_definitions_slug_key UNIQUE (slug),
    CONSTRAINT interactive_definitions_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT interactive_definitions_interactive_type_check CHECK (
        interactive_type IN ('quiz', 'navigator', 'thermometer', 'boundaries', 'prep', 'ritual')
    ),
    CONSTRAINT interactive_definitions_status_check CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT interactive_definitions_published_check CHECK (
        status <> 'published' OR (published_version_id IS NOT NULL AND published_at IS NOT NULL)
    ),
    CONSTRAINT interactive_definitions_version_check CHECK (version > 0)
);

CREATE INDEX interactive_definitions_topic_code_idx ON interactive_definitions (topic_code);
CREATE INDEX interactive_definitions_status_idx ON interactive_definitions (status);

COMMENT ON TABLE interactive_definitions IS 'P0. Self-check tools shown on the site; the published version is what clients take.';
COMMENT ON COLUMN interactive_definitions.published_version_id IS 'P0. The version clients take now; it must belong to this definition.';

CREATE TABLE interactive_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    definition_id uuid NOT NULL REFERENCES interactive_definitions (id) ON DELETE CASCADE,
    version_no integer NOT NULL,
    config jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT interactive_versions_definition_id_version_no_key UNIQUE (definition_id, version_no),
    -- Target of the composite keys that tie a version to its own definition.
    CONSTRAINT interactive_versions_definition_id_id_key UNIQUE (definition_id, id),
    CONSTRAINT interactive_versions_version_no_check CHECK (version_no > 0),
    CONSTRAINT interactive_versions_config_check CHECK (jsonb_typeof(config) = 'object')
);

CREATE INDEX interactive_versions_created_by_idx ON interactive_versions (created_by);

COMMENT ON TABLE interactive_versions IS 'P0. Versioned configuration of an interactive (questions, scoring bands, crisis rule, recommendations). Immutable once published or used by a run.';
COMMENT ON COLUMN interactive_versions.config IS 'P0. Questions and scoring rules; contains no client data.';

ALTER TABLE interactive_definitions
    ADD CONSTRAINT interactive_definitions_published_version_fkey
    FOREIGN KEY (id, published_version_id)
    REFERENCES interactive_versions (definition_id, id) ON DELETE RESTRICT;

-- A version that is published, or has scored a run, is frozen.
CREATE FUNCTION interactive_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM interactive_definitions d WHERE d.published_version_id = OLD.id)
       OR EXISTS (SELECT 1 FROM interactive_runs r WHERE r.version_id = OLD.id) THEN
        RAISE EXCEPTION 'interactive version % is published or in use and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

COMMENT ON FUNCTION interactive_versions_frozen() IS 'Trigger function: a published or used interactive version is immutable.';

CREATE TABLE interactive_runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    definition_id uuid NOT NULL REFERENCES interactive_definitions (id) ON DELETE RESTRICT,
    version_id uuid NOT NULL,
    user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    anonymous_id text,
    started_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    status text NOT NULL DEFAULT 'in_progress',
    result_level text,
    result_profile text,
    crisis_triggered boolean NOT NULL DEFAULT false,
    duration_ms integer,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT interactive_runs_version_fkey FOREIGN KEY (definition_id, version_id)
        REFERENCES interactive_versions (definition_id, id) ON DELETE RESTRICT,
    CONSTRAINT interactive_runs_owner_check CHECK (user_id IS NOT NULL OR anonymous_id IS NOT NULL),
    CONSTRAINT interactive_runs_anonymous_id_check CHECK (anonymous_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    CONSTRAINT interactive_runs_status_check CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    CONSTRAINT interactive_runs_result_level_check CHECK (result_level IN ('low', 'moderate', 'high')),
    CONSTRAINT interactive_runs_result_profile_check CHECK (result_profile ~ '^[a-z0-9_]{1,64}$'),
    CONSTRAINT interactive_runs_completed_check CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CONSTRAINT interactive_runs_duration_ms_check CHECK (duration_ms >= 0),
    CONSTRAINT interactive_runs_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);

CREATE INDEX interactive_runs_user_id_status_idx ON interactive_runs (user_id, status);
CREATE INDEX interactive_runs_anonymous_id_status_idx ON interactive_runs (anonymous_id, status);
CREATE INDEX interactive_runs_definition_id_started_at_idx ON interactive_runs (definition_id, started_at);
CREATE INDEX interactive_runs_version_id_idx ON interactive_runs (version_id);

COMMENT ON TABLE interactive_runs IS 'P0. One taking of an interactive. Keeps only the computed aggregate: there is no answers column, ever (answers are P2 and are discarded after scoring).';
COMMENT ON COLUMN interactive_runs.anonymous_id IS 'P0. Random id kept by the browser for a visitor who is not signed in.';
COMMENT ON COLUMN interactive_runs.result_level IS 'P0. Aggregated result: low, moderate or high.';
COMMENT ON COLUMN interactive_runs.result_profile IS 'P0. Code of the result profile named by the version config.';
COMMENT ON COLUMN interactive_runs.crisis_triggered IS 'P0. The crisis rule fired; the client was shown crisis resources.';
COMMENT ON COLUMN interactive_runs.metadata IS 'P0. Entry point, deep link and UTM tags; never personal data.';

CREATE TRIGGER interactive_versions_frozen
    BEFORE UPDATE OR DELETE ON interactive_versions
    FOR EACH ROW EXECUTE FUNCTION interactive_versions_frozen();
