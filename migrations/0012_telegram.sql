-- 0012 telegram: deep links and Telegram accounts
--
-- What: deep-link codes that carry a visitor from the site into the bot with a
--       purpose (plan, booking, result, account linking, campaign), and the Telegram
--       accounts that started the bot.
-- Why:  /start <code> links the Telegram account to a user or lead and sends what the
--       link was for; codes also glue web and Telegram analytics.
-- rollback note: DROP TABLE telegram_accounts, deep_links;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE deep_links (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code text NOT NULL,
    purpose text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    lead_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    first_used_at timestamptz,
    use_count integer NOT NULL DEFAULT 0,
    CONSTRAINT deep_links_code_key UNIQUE (code),
    CONSTRAINT deep_links_code_check CHECK (code ~ '^[A-Za-z0-9_-]{8,64}$'),
    CONSTRAINT deep_links_purpose_check CHECK (
        purpose IN ('plan', 'booking', 'interactive_result', 'link_account', 'campaign')
    ),
    CONSTRAINT deep_links_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT deep_links_use_count_check CHECK (use_count >= 0),
    CONSTRAINT deep_links_expires_at_check CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE INDEX deep_links_user_id_idx ON deep_links (user_id);
CREATE INDEX deep_links_lead_id_idx ON deep_links (lead_id);

COMMENT ON TABLE deep_links IS 'P0. Codes for https://t.me/<bot>?start=<code>.';
COMMENT ON COLUMN deep_links.payload IS 'P0. Ids the link points to (run, appointment, content); never personal data.';
COMMENT ON COLUMN deep_links.lead_id IS 'P0. The lead the link was made for; foreign key added with the crm tables (0013).';

CREATE TABLE telegram_accounts (
    telegram_user_id bigint PRIMARY KEY,
    chat_id bigint NOT NULL,
    username text,
    user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    lead_id uuid,
    language_code text,
    started_at timestamptz NOT NULL DEFAULT now(),
    blocked_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT telegram_accounts_language_code_check CHECK (language_code ~ '^[a-z]{2,3}(-[A-Za-z0-9]+)?$')
);

CREATE UNIQUE INDEX telegram_accounts_user_id_key ON telegram_accounts (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX telegram_accounts_lead_id_idx ON telegram_accounts (lead_id);

COMMENT ON TABLE telegram_accounts IS 'P1. Telegram users who started the bot, linked to a user or a lead.';
COMMENT ON COLUMN telegram_accounts.telegram_user_id IS 'P1. Telegram user id.';
COMMENT ON COLUMN telegram_accounts.chat_id IS 'P1. Private chat id the bot writes to.';
COMMENT ON COLUMN telegram_accounts.username IS 'P1. Telegram @username, if any.';
COMMENT ON COLUMN telegram_accounts.blocked_at IS 'P0. The user blocked the bot (403); nothing is sent until they start it again.';
COMMENT ON COLUMN telegram_accounts.lead_id IS 'P0. The lead; foreign key added with the crm tables (0013).';
