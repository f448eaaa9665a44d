-- Deep links and Telegram accounts.

-- name: insert_deep_link(id, code, purpose, payload, user_id, lead_id, now, expires_at)!
INSERT INTO deep_links (id, code, purpose, payload, user_id, lead_id, created_at, expires_at)
VALUES (:id, :code, :purpose, :payload, :user_id, :lead_id, :now, :expires_at);

-- name: use_deep_link(code, now)^
-- Records the use and returns the link, unless it is unknown or expired. A link made
-- for a person (user or lead) grants something and works once; an unbound one (a
-- campaign, a public page) may be shared.
UPDATE deep_links
SET use_count = use_count + 1, first_used_at = coalesce(first_used_at, :now)
WHERE code = :code AND (expires_at IS NULL OR expires_at > :now)
  AND ((user_id IS NULL AND lead_id IS NULL) OR use_count = 0)
RETURNING id, purpose, payload, user_id, lead_id;

-- name: claim_link_account(id, telegram_user_id)!
-- The Telegram user who opened an account-linking link; linked only when the account's
-- owner confirms in a signed-in session.
UPDATE deep_links SET claimed_by_telegram_user_id = :telegram_user_id
WHERE id = :id AND purpose = 'link_account' AND claimed_by_telegram_user_id IS NULL;

-- name: pending_link_account(code, user_id, now)^
-- An account-linking link of this user that a Telegram user opened and nobody has
-- confirmed yet, with who opened it.
SELECT d.id, d.claimed_by_telegram_user_id AS telegram_user_id, a.username, d.expires_at
FROM deep_links AS d
JOIN telegram_accounts AS a ON a.telegram_user_id = d.claimed_by_telegram_user_id
WHERE d.code = :code AND d.purpose = 'link_account' AND d.user_id = :user_id
  AND d.confirmed_at IS NULL AND d.expires_at > :now
FOR UPDATE OF d;

-- name: confirm_link_account(id, now)!
UPDATE deep_links SET confirmed_at = :now WHERE id = :id AND confirmed_at IS NULL;

-- name: account_owner(user_id)^
-- The account owner's name and (verified) e-mail, to tell them Telegram was linked.
SELECT display_name, email FROM users
WHERE id = :user_id AND deleted_at IS NULL;

-- name: upsert_account(telegram_user_id, chat_id, username, language_code, now)!
INSERT INTO telegram_accounts (telegram_user_id, chat_id, username, language_code, started_at,
                               updated_at)
VALUES (:telegram_user_id, :chat_id, :username, :language_code, :now, :now)
ON CONFLICT (telegram_user_id) DO UPDATE
SET chat_id = excluded.chat_id, username = excluded.username,
    language_code = excluded.language_code, blocked_at = NULL, updated_at = excluded.updated_at;

-- name: get_account(telegram_user_id)^
SELECT telegram_user_id, chat_id, user_id, lead_id, blocked_at
FROM telegram_accounts WHERE telegram_user_id = :telegram_user_id;

-- name: linked_active_user(telegram_user_id)^
-- The account's user, only while that user may act (not blocked, not erased).
SELECT u.id AS user_id
FROM telegram_accounts AS a JOIN users AS u ON u.id = a.user_id
WHERE a.telegram_user_id = :telegram_user_id AND u.status = 'active' AND u.deleted_at IS NULL;

-- name: block_account_by_chat(chat_id, now)!
UPDATE telegram_accounts SET blocked_at = :now, updated_at = :now
WHERE chat_id = :chat_id AND blocked_at IS NULL;

-- name: record_update(id, update_id, now)^
INSERT INTO provider_webhook_events (id, provider, event, object_id, received_at, processed_at,
                                     outcome)
VALUES (:id, 'telegram', 'update', :update_id, :now, :now, 'fed')
ON CONFLICT (provider, event, object_id) DO NOTHING
RETURNING id;

-- name: link_account_to_user(telegram_user_id, user_id, now)^
-- Links the account and the user both ways; nothing when the user is gone.
WITH linked_user AS (
    UPDATE users SET telegram_user_id = :telegram_user_id, updated_at = :now
    WHERE id = :user_id AND deleted_at IS NULL
    RETURNING id
)
UPDATE telegram_accounts SET user_id = (SELECT id FROM linked_user), updated_at = :now
WHERE telegram_user_id = :telegram_user_id AND EXISTS (SELECT 1 FROM linked_user)
RETURNING user_id;

-- name: stop_account(telegram_user_id, now)^
-- /stop: nothing more is sent; returns whom the account belongs to, for the consent.
UPDATE telegram_accounts SET blocked_at = :now, updated_at = :now
WHERE telegram_user_id = :telegram_user_id
RETURNING user_id, lead_id;

-- name: insert_telegram_consent(id, user_id, lead_id, granted, now)!
INSERT INTO consents (id, user_id, lead_id, consent_type, granted, document_version, source,
                      created_at)
VALUES (:id, :user_id, :lead_id, 'telegram', :granted, 'bot-1', 'telegram', :now);

-- name: account_subject(telegram_user_id)^
-- Whom the account belongs to, and their latest answer about Telegram messages.
SELECT a.user_id, a.lead_id,
       (SELECT c.granted FROM consents AS c
        WHERE c.consent_type = 'telegram'
          AND (c.user_id = a.user_id OR c.lead_id = a.lead_id)
        ORDER BY c.created_at DESC LIMIT 1) AS telegram_consent
FROM telegram_accounts AS a
WHERE a.telegram_user_id = :telegram_user_id;

-- name: notification_chat(user_id, lead_id)^
-- The chat to notify: a linked account that said yes to Telegram messages (its latest
-- answer) and has neither blocked the bot nor sent /stop.
SELECT a.chat_id
FROM telegram_accounts AS a
WHERE (a.user_id = :user_id OR a.lead_id = :lead_id)
  AND a.blocked_at IS NULL
  AND (SELECT c.granted FROM consents AS c
       WHERE c.consent_type = 'telegram'
         AND (c.user_id = a.user_id OR c.lead_id = a.lead_id)
       ORDER BY c.created_at DESC LIMIT 1) IS TRUE
ORDER BY a.updated_at DESC
LIMIT 1;

-- name: record_crisis_flag(now)!
-- A P0 count that someone wrote crisis words to the bot: never the words, and nothing
-- that names the person (a crisis flag beside an identity is a health fact about them,
-- P2). The hour only: the exact time would match the account's updated_at.
INSERT INTO analytics_events (event_name, occurred_at, props)
VALUES ('bot.crisis_flag', date_trunc('hour', :now::timestamptz, 'UTC'),
        '{"channel": "telegram"}');

-- name: attach_lead(telegram_user_id, lead_id, now)!
-- The lead behind an account that has none yet.
UPDATE telegram_accounts SET lead_id = :lead_id, updated_at = :now
WHERE telegram_user_id = :telegram_user_id AND lead_id IS NULL;

-- name: record_started(telegram_user_id, deep_link_code, purpose, now)!
-- The funnel's server-side "telegram started"; the deep-link code stitches it to the
-- web visit that made the link.
INSERT INTO analytics_events (event_name, occurred_at, user_id, deep_link_code, props)
VALUES ('telegram.started', :now,
        (SELECT user_id FROM telegram_accounts WHERE telegram_user_id = :telegram_user_id),
        :deep_link_code, jsonb_build_object('purpose', :purpose::text));
