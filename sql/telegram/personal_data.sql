-- Telegram's part of data-subject export and erasure: the accounts linked to the person
-- (to the user, or to one of the leads bound to them) and the deep links made for them.

-- name: telegram_ids_of(user_id, lead_ids)
-- The Telegram accounts of the person: the one on the account, those linked to it, and
-- those of their leads that no other account has taken as its own.
SELECT telegram_user_id FROM users WHERE id = :user_id AND telegram_user_id IS NOT NULL
UNION
SELECT telegram_user_id FROM telegram_accounts
WHERE user_id = :user_id OR (lead_id = ANY(:lead_ids) AND user_id IS NULL)
ORDER BY 1;

-- name: export_accounts(telegram_user_ids)
SELECT telegram_user_id, chat_id, username, language_code, started_at, blocked_at, updated_at
FROM telegram_accounts WHERE telegram_user_id = ANY(:telegram_user_ids)
ORDER BY started_at, telegram_user_id;

-- name: export_deep_links(user_id, lead_ids)
-- Links made for the person (the code, a bearer secret, is not repeated).
SELECT purpose, payload, created_at, expires_at, first_used_at, use_count
FROM deep_links WHERE user_id = :user_id OR lead_id = ANY(:lead_ids)
ORDER BY created_at, id;

-- name: erase_deep_links(user_id, lead_ids)!
DELETE FROM deep_links WHERE user_id = :user_id OR lead_id = ANY(:lead_ids);

-- name: forget_link_claims(telegram_user_ids)!
-- Someone else's account-linking link the person's Telegram opened: the link stays its
-- owner's, without who opened it.
UPDATE deep_links SET claimed_by_telegram_user_id = NULL
WHERE claimed_by_telegram_user_id = ANY(:telegram_user_ids);

-- name: detach_leads(user_id, lead_ids)!
-- A lead of the person's on a Telegram account another account owns: only the link to
-- the lead goes.
UPDATE telegram_accounts SET lead_id = NULL
WHERE lead_id = ANY(:lead_ids) AND user_id IS NOT NULL AND user_id <> :user_id;

-- name: erase_accounts(telegram_user_ids)!
DELETE FROM telegram_accounts WHERE telegram_user_id = ANY(:telegram_user_ids);
