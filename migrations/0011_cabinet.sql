-- 0011 cabinet: diary, data exports and erasure requests
--
-- What: the client's private diary (P2, encrypted), data-subject export requests with
--       a one-time download token and an encrypted archive, and erasure requests.
-- Why:  152-FZ data-subject rights; the service completes both within minutes.
-- rollback note: DROP TABLE erasure_requests, data_export_requests, diary_entries; --
--       loses diaries: not reversible without data loss.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE diary_entries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    entry_date date NOT NULL,
    body_encrypted text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT diary_entries_body_encrypted_check CHECK (body_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT diary_entries_version_check CHECK (version > 0)
);

CREATE INDEX diary_entries_user_id_entry_date_idx ON diary_entries (user_id, entry_date DESC);

COMMENT ON TABLE diary_entries IS 'P2. The client''s private diary; only the client reads it. Destroyed on erasure.';
COMMENT ON COLUMN diary_entries.body_encrypted IS 'P2. Mood, text and tags, encrypted together (enc:v1 envelope bound to the row).';
COMMENT ON COLUMN diary_entries.entry_date IS 'P0. The day the entry is about.';

CREATE TABLE data_export_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status text NOT NULL DEFAULT 'pending',
    requested_at timestamptz NOT NULL DEFAULT now(),
    ready_at timestamptz,
    expires_at timestamptz,
    downloaded_at timestamptz,
    download_token_hash bytea,
    archive_encrypted text,
    CONSTRAINT data_export_requests_status_check CHECK (
        status IN ('pending', 'ready', 'downloaded', 'expired', 'failed')
    ),
    CONSTRAINT data_export_requests_archive_encrypted_check CHECK (archive_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT data_export_requests_ready_check CHECK (
        status <> 'ready' OR (ready_at IS NOT NULL AND expires_at IS NOT NULL
                              AND download_token_hash IS NOT NULL AND archive_encrypted IS NOT NULL)
    ),
    CONSTRAINT data_export_requests_download_token_hash_check CHECK (octet_length(download_token_hash) = 32)
);

CREATE UNIQUE INDEX data_export_requests_download_token_hash_key
    ON data_export_requests (download_token_hash) WHERE download_token_hash IS NOT NULL;
CREATE INDEX data_export_requests_user_id_requested_at_idx
    ON data_export_requests (user_id, requested_at DESC);
CREATE INDEX data_export_requests_status_expires_at_idx ON data_export_requests (status, expires_at);

COMMENT ON TABLE data_export_requests IS 'P0 row, P2 archive. Data-subject export requests; the archive is removed once downloaded or expired.';
COMMENT ON COLUMN data_export_requests.archive_encrypted IS 'P2. JSON archive of everything held about the user, encrypted; set to NULL after download or expiry.';
COMMENT ON COLUMN data_export_requests.download_token_hash IS 'P0 (secret-derived). SHA-256 of the one-time download token.';

CREATE TABLE erasure_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status text NOT NULL DEFAULT 'pending',
    requested_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CONSTRAINT erasure_requests_status_check CHECK (status IN ('pending', 'done')),
    CONSTRAINT erasure_requests_completed_check CHECK ((status = 'done') = (completed_at IS NOT NULL))
);

-- One erasure in flight per user.
CREATE UNIQUE INDEX erasure_requests_user_id_pending_key ON erasure_requests (user_id)
    WHERE status = 'pending';
CREATE INDEX erasure_requests_user_id_idx ON erasure_requests (user_id);

COMMENT ON TABLE erasure_requests IS 'P0. Data-subject erasure requests and when they were completed.';
