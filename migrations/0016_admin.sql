-- 0016 admin: audit log, message templates and system settings
--
-- What: the append-only audit log of every staff write and every staff read of P2
--       data, the message templates every notification is rendered from, and
--       key/value system settings.
-- Why:  accountability (ASVS 16.4.2: the log cannot be altered, enforced here by
--       triggers); staff edit wording and settings without a deploy.
-- rollback note: DROP TABLE system_settings, message_templates, audit_log_entries; --
--       the audit log is evidence: not reversible without data loss.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE audit_log_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    actor_role text,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_log_entries_action_check CHECK (action ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT audit_log_entries_entity_type_check CHECK (entity_type ~ '^[a-z][a-z0-9_]{1,63}$'),
    CONSTRAINT audit_log_entries_details_check CHECK (jsonb_typeof(details) = 'object')
);

CREATE INDEX audit_log_entries_occurred_at_idx ON audit_log_entries USING brin (occurred_at);
CREATE INDEX audit_log_entries_actor_id_occurred_at_idx ON audit_log_entries (actor_id, occurred_at DESC);
CREATE INDEX audit_log_entries_entity_type_occurred_at_idx ON audit_log_entries (entity_type, occurred_at DESC);

CREATE TRIGGER audit_log_entries_append_only
    BEFORE UPDATE OR DELETE ON audit_log_entries
    FOR EACH ROW EXECUTE FUNCTION reject_modification();
CREATE TRIGGER audit_log_entries_no_truncate
    BEFORE TRUNCATE ON audit_log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION reject_modification();

COMMENT ON TABLE audit_log_entries IS 'P0. Append-only log of staff writes and staff reads of P2 data; UPDATE, DELETE and TRUNCATE are refused by triggers.';
COMMENT ON COLUMN audit_log_entries.actor_id IS 'P0. The staff member; NULL for the system (jobs, webhooks).';
COMMENT ON COLUMN audit_log_entries.details IS 'P0 only: ids, codes, changed field names; never P1/P2 values.';

CREATE TABLE message_templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code text NOT NULL,
    channel text NOT NULL,
    locale text NOT NULL DEFAULT 'ru',
    subject text,
    body text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid REFERENCES users (id) ON DELETE RESTRICT,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT message_templates_code_channel_locale_key UNIQUE (code, channel, locale),
    CONSTRAINT message_templates_code_check CHECK (code ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT message_templates_channel_check CHECK (channel IN ('email', 'telegram')),
    CONSTRAINT message_templates_locale_check CHECK (locale IN ('ru', 'en')),
    CONSTRAINT message_templates_subject_check CHECK (channel <> 'email' OR subject IS NOT NULL),
    CONSTRAINT message_templates_version_check CHECK (version > 0)
);

CREATE INDEX message_templates_updated_by_idx ON message_templates (updated_by);

COMMENT ON TABLE message_templates IS 'P0. Wording of every message the service sends, per channel and locale; placeholders are {name} fields filled with P0/P1 values, never P2.';

CREATE TABLE system_settings (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT system_settings_key_check CHECK (key ~ '^[a-z][a-z0-9_.]{1,63}$')
);

CREATE INDEX system_settings_updated_by_idx ON system_settings (updated_by);

COMMENT ON TABLE system_settings IS 'P0. Settings staff can change at run time (practitioner time zone, hold minutes, reminder offsets, crisis resources).';
