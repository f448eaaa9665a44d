-- 0049 assistants: the ai_processing consent, conversation state, and the model's limits
--
-- What: consents.consent_type also takes 'ai_processing' (the check is replaced by a
--       wider one, NOT VALID; 0050 validates it); LangGraph's checkpoint tables exactly
--       as langgraph-checkpoint-postgres 3.2.0's setup() creates them (checkpoints,
--       checkpoint_blobs, checkpoint_writes, their thread_id indexes) with its ten
--       migration versions recorded in checkpoint_migrations, so setup() finds nothing
--       to do (the application never calls it); assistant_threads, which user each
--       conversation belongs to; assistant_call_counts (model calls per caller per hour,
--       the caller as a keyed hash) and llm_token_days (tokens the provider reported per
--       day) for the per-caller rate and the daily token budget.
-- Why:  client free text may reach a model only with an explicit consent; conversation
--       state must live in the database (several processes), its schema under our
--       migrations rather than created at run time; retention and erasure need the owner
--       of each thread; runaway cost must stop. The checkpoint tables hold only
--       ciphertext (app/adapters/llm/checkpoints.py). The new tables are empty, so their
--       indexes are built here, in the transaction that creates them.
-- rollback note: DROP TABLE llm_token_days, assistant_call_counts, assistant_threads,
--       checkpoint_writes, checkpoint_blobs, checkpoints, checkpoint_migrations; only
--       after no consent row holds 'ai_processing': ALTER TABLE consents DROP CONSTRAINT
--       consents_consent_type_check, ADD CONSTRAINT consents_consent_type_check CHECK
--       (consent_type IN ('personal_data', 'health_data', 'communications', 'telegram',
--       'review_publication')) NOT VALID (the consent history is append-only: rows with
--       ai_processing stay, so in practice keep the wider check).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The check is replaced by a wider one in one statement: no moment without it.
-- squawk-ignore ban-drop-constraint
ALTER TABLE consents DROP CONSTRAINT consents_consent_type_check,
    ADD CONSTRAINT consents_consent_type_check CHECK (
        consent_type IN ('personal_data', 'health_data', 'communications', 'telegram',
                         'review_publication', 'ai_processing')
    ) NOT VALID;

-- LangGraph's checkpointer (langgraph-checkpoint-postgres 3.2.0, BasePostgresSaver.MIGRATIONS):
-- the same tables, columns, defaults, keys and indexes, in the same column order.
CREATE TABLE checkpoint_migrations (
    v integer PRIMARY KEY
);

CREATE TABLE checkpoints (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    checkpoint_id text NOT NULL,
    parent_checkpoint_id text,
    type text,
    checkpoint jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE TABLE checkpoint_blobs (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    channel text NOT NULL,
    version text NOT NULL,
    type text NOT NULL,
    blob bytea,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);

CREATE TABLE checkpoint_writes (
    thread_id text NOT NULL,
    checkpoint_ns text NOT NULL DEFAULT '',
    checkpoint_id text NOT NULL,
    task_id text NOT NULL,
    idx integer NOT NULL,
    channel text NOT NULL,
    type text,
    blob bytea NOT NULL,
    task_path text NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

-- squawk-ignore require-concurrent-index-creation
CREATE INDEX checkpoints_thread_id_idx ON checkpoints (thread_id);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX checkpoint_blobs_thread_id_idx ON checkpoint_blobs (thread_id);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX checkpoint_writes_thread_id_idx ON checkpoint_writes (thread_id);

-- Versions 0-9 of the library's migrations are what the statements above did.
INSERT INTO checkpoint_migrations (v) SELECT generate_series(0, 9);

COMMENT ON TABLE checkpoint_migrations IS 'P0. Which of langgraph-checkpoint-postgres''s own migrations the schema already has (all ten, created by 0049); the application never runs them.';
COMMENT ON COLUMN checkpoint_migrations.v IS 'P0. The library migration''s index.';
COMMENT ON TABLE checkpoints IS 'P2. LangGraph conversation checkpoints; every channel value is in checkpoint_blobs, encrypted; the checkpoint itself keeps only channel names and versions.';
COMMENT ON COLUMN checkpoints.thread_id IS 'P0. The conversation (assistant_threads.thread_id).';
COMMENT ON COLUMN checkpoints.checkpoint IS 'P0. Channel names and versions only (values are stored encrypted in checkpoint_blobs).';
COMMENT ON COLUMN checkpoints.metadata IS 'P0. The step, its source and parent checkpoints only (other keys are dropped before saving).';
COMMENT ON TABLE checkpoint_blobs IS 'P2. The values of a conversation''s channels (messages, state), each encrypted with the keyring (AES-256-GCM).';
COMMENT ON COLUMN checkpoint_blobs.blob IS 'P2. Ciphertext: the serialised value encrypted under the key named in type.';
COMMENT ON COLUMN checkpoint_blobs.type IS 'P0. Serialisation and cipher, e.g. msgpack+aesgcm:<key id>.';
COMMENT ON TABLE checkpoint_writes IS 'P2. Pending writes of a conversation step (node outputs, interrupts), each encrypted with the keyring.';
COMMENT ON COLUMN checkpoint_writes.blob IS 'P2. Ciphertext: the serialised write encrypted under the key named in type.';
COMMENT ON COLUMN checkpoint_writes.type IS 'P0. Serialisation and cipher, e.g. msgpack+aesgcm:<key id>.';

CREATE TABLE assistant_threads (
    thread_id text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assistant text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assistant_threads_assistant_check
        CHECK (assistant IN ('navigator', 'concierge', 'editor', 'analyst')),
    CONSTRAINT assistant_threads_thread_id_check CHECK (char_length(thread_id) BETWEEN 1 AND 200)
);

-- squawk-ignore require-concurrent-index-creation
CREATE INDEX assistant_threads_updated_at_idx ON assistant_threads (updated_at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX assistant_threads_user_id_idx ON assistant_threads (user_id);

COMMENT ON TABLE assistant_threads IS 'P1. Which account each assistant conversation (LangGraph thread) belongs to; deleted with its checkpoints after the retention period and on erasure.';
COMMENT ON COLUMN assistant_threads.thread_id IS 'P0. The LangGraph thread id (random, chosen by the assistant).';
COMMENT ON COLUMN assistant_threads.user_id IS 'P1. The account the conversation belongs to.';
COMMENT ON COLUMN assistant_threads.assistant IS 'P0. Which assistant: navigator, concierge, editor, analyst.';
COMMENT ON COLUMN assistant_threads.updated_at IS 'P0. The last turn; the retention job deletes threads idle for ASSISTANT_RETENTION_DAYS.';

CREATE TABLE assistant_call_counts (
    caller_hash bytea NOT NULL,
    hour timestamptz NOT NULL,
    calls integer NOT NULL DEFAULT 0,
    PRIMARY KEY (caller_hash, hour),
    CONSTRAINT assistant_call_counts_calls_check CHECK (calls >= 0),
    CONSTRAINT assistant_call_counts_caller_hash_check CHECK (octet_length(caller_hash) = 32)
);

-- squawk-ignore require-concurrent-index-creation
CREATE INDEX assistant_call_counts_hour_idx ON assistant_call_counts (hour);

COMMENT ON TABLE assistant_call_counts IS 'P1. Model calls admitted per caller per hour (the per-caller rate limit); rows older than two days are deleted.';
COMMENT ON COLUMN assistant_call_counts.caller_hash IS 'P1. HMAC-SHA256 of the caller key (user:<id>, staff:<id>, anon:<hash>) under a key derived from the keyring; never the id itself.';
COMMENT ON COLUMN assistant_call_counts.hour IS 'P0. The hour (UTC) counted.';
COMMENT ON COLUMN assistant_call_counts.calls IS 'P0. Calls admitted in that hour.';

CREATE TABLE llm_token_days (
    day date PRIMARY KEY,
    tokens bigint NOT NULL DEFAULT 0,
    CONSTRAINT llm_token_days_tokens_check CHECK (tokens >= 0)
);

COMMENT ON TABLE llm_token_days IS 'P0. Tokens the model provider reported per day (UTC), against LLM_DAILY_TOKEN_BUDGET; rows older than two days are deleted.';
COMMENT ON COLUMN llm_token_days.tokens IS 'P0. Prompt and completion tokens spent that day.';
