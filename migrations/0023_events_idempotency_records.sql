-- 0023 events: idempotency records for client retries (Idempotency-Key)
--
-- What: one row per (scope, key) a client sent with Idempotency-Key, holding a hash of
--       the request and the first response (encrypted: it may carry a one-time manage
--       token), so a retry gets exactly the first answer.
-- Why:  POST /appointments and POST /appointments/{id}/payments must not create a
--       second booking or payment when a client retries after a timeout.
-- rollback note: DROP TABLE idempotency_records;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE idempotency_records (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scope text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    resource_id uuid,
    response_encrypted text NOT NULL,
    status_code integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_records_scope_key_key UNIQUE (scope, key),
    CONSTRAINT idempotency_records_key_check CHECK (key ~ '^[A-Za-z0-9_.:-]{8,128}$'),
    CONSTRAINT idempotency_records_response_encrypted_check CHECK (response_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT idempotency_records_request_hash_check CHECK (octet_length(request_hash) = 32)
);

CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at);

COMMENT ON TABLE idempotency_records IS 'P0 row, P2 response. First answers to requests sent with an Idempotency-Key; purged after 24 hours.';
COMMENT ON COLUMN idempotency_records.response_encrypted IS 'P2. The first response body (may hold a one-time manage token), enc:v1 envelope bound to the row.';
