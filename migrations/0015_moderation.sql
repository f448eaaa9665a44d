-- 0015 moderation: anonymous questions and reviews, triggers, actions, answers
--
-- What: user-generated items (P2 text, encrypted) in a queue ordered by SLA, the
--       automatic and moderator flags on them, every moderation action, and private
--       answers (a public answer is a separate, anonymised `qa` content item).
-- Why:  anonymous questions from people in distress must be seen in time (SLA) and
--       crisis texts flagged at once; every staff action is recorded.
-- rollback note: DROP TABLE ugc_answers, moderation_actions, ugc_triggers, ugc_items;
--       -- loses questions: not reversible without data loss.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE ugc_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    author_user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    anonymous_id text,
    topic_code text REFERENCES topics (code) ON UPDATE CASCADE ON DELETE RESTRICT,
    text_encrypted text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    sla_due_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT ugc_items_kind_check CHECK (kind IN ('question', 'review')),
    CONSTRAINT ugc_items_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'answered', 'published')),
    CONSTRAINT ugc_items_text_encrypted_check CHECK (text_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT ugc_items_anonymous_id_check CHECK (anonymous_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    CONSTRAINT ugc_items_version_check CHECK (version > 0)
);

CREATE INDEX ugc_items_status_sla_due_at_idx ON ugc_items (status, sla_due_at);
CREATE INDEX ugc_items_author_user_id_idx ON ugc_items (author_user_id);
CREATE INDEX ugc_items_topic_code_idx ON ugc_items (topic_code);

COMMENT ON TABLE ugc_items IS 'P2. Anonymous questions and reviews awaiting moderation; originals readable by moderators only (audited).';
COMMENT ON COLUMN ugc_items.text_encrypted IS 'P2. The original text in the enc:v1 envelope bound to the row.';
COMMENT ON COLUMN ugc_items.sla_due_at IS 'P0. When a moderator must have acted; the queue is ordered by it.';

CREATE TABLE ugc_triggers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ugc_item_id uuid NOT NULL REFERENCES ugc_items (id) ON DELETE CASCADE,
    code text NOT NULL,
    source text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ugc_triggers_ugc_item_id_code_source_key UNIQUE (ugc_item_id, code, source),
    CONSTRAINT ugc_triggers_code_check CHECK (code IN ('crisis', 'self_harm', 'violence', 'pii', 'spam', 'profanity')),
    CONSTRAINT ugc_triggers_source_check CHECK (source IN ('auto', 'moderator'))
);

COMMENT ON TABLE ugc_triggers IS 'P0. Flags raised on an item (automatic or by a moderator); flags only, never the matched text.';

CREATE TABLE moderation_actions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ugc_item_id uuid NOT NULL REFERENCES ugc_items (id) ON DELETE CASCADE,
    actor_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    action text NOT NULL,
    reason_code text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT moderation_actions_action_check CHECK (
        action IN ('approve', 'reject', 'answer', 'publish', 'unpublish', 'escalate')
    ),
    CONSTRAINT moderation_actions_reason_code_check CHECK (reason_code ~ '^[a-z_]{1,64}$')
);

CREATE INDEX moderation_actions_ugc_item_id_created_at_idx ON moderation_actions (ugc_item_id, created_at);
CREATE INDEX moderation_actions_actor_id_idx ON moderation_actions (actor_id);

COMMENT ON TABLE moderation_actions IS 'P0. Every moderation decision, by whom and why (reason code).';

CREATE TABLE ugc_answers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ugc_item_id uuid NOT NULL REFERENCES ugc_items (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    body_encrypted text NOT NULL,
    published_content_id uuid REFERENCES content_items (id) ON DELETE RESTRICT,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ugc_answers_body_encrypted_check CHECK (body_encrypted LIKE 'enc:v1:%')
);

CREATE INDEX ugc_answers_ugc_item_id_idx ON ugc_answers (ugc_item_id);
CREATE INDEX ugc_answers_author_id_idx ON ugc_answers (author_id);
CREATE INDEX ugc_answers_published_content_id_idx ON ugc_answers (published_content_id);

COMMENT ON TABLE ugc_answers IS 'P2. Private answers to a question; a public answer is an anonymised qa content item linked here.';
COMMENT ON COLUMN ugc_answers.body_encrypted IS 'P2. Answer text in the enc:v1 envelope bound to the row.';
