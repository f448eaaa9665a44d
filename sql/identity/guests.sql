-- Guests (leads without an account): the single-use links e-mailed to the address a
-- guest gave, the proof they give, and what a proven guest's records join.

-- name: insert_guest_link(id, kind, email_normalized, token_hash, now, expires_at)!
INSERT INTO guest_email_links (id, kind, email_normalized, token_hash, created_at, expires_at)
VALUES (:id, :kind, :email_normalized, :token_hash, :now, :expires_at);

-- name: guest_links_sent_since(email_normalized, kind, since)^
SELECT count(*) AS sent FROM guest_email_links
WHERE email_normalized = :email_normalized AND kind = :kind AND created_at >= :since;

-- name: take_guest_link(token_hash, now)^
-- Single use: the link is spent as it is taken.
UPDATE guest_email_links SET confirmed_at = :now
WHERE token_hash = :token_hash AND confirmed_at IS NULL AND expires_at > :now
RETURNING id, kind, email_normalized, created_at;

-- name: verify_guest_emails(email_normalized, before, now)!
-- The guest opened a link sent to this address: the claims the guests' leads made on it
-- before the link was sent are proven (a booking made later proves nothing).
UPDATE lead_identities AS i SET verified_at = :now
FROM leads AS l
WHERE l.id = i.lead_id AND i.kind = 'email' AND i.value_normalized = :email_normalized
  AND i.verified_at IS NULL AND i.created_at <= :before
  AND l.converted_user_id IS NULL AND l.merged_into_id IS NULL;

-- name: guest_leads_by_email(email_normalized, verified_only)
-- The guests' leads (not converted to an account, not merged away) that gave this
-- e-mail; with verified_only, only those that proved it by a link sent to it.
SELECT DISTINCT l.id
FROM lead_identities AS i
JOIN leads AS l ON l.id = i.lead_id
WHERE i.kind = 'email' AND i.value_normalized = :email_normalized
  AND l.converted_user_id IS NULL AND l.merged_into_id IS NULL
  AND (NOT :verified_only OR i.verified_at IS NOT NULL)
ORDER BY l.id;

-- name: verified_user_by_email(email_normalized)^
-- An active account whose address was proven by a login code.
SELECT id FROM users
WHERE lower(email) = :email_normalized AND email_verified_at IS NOT NULL
  AND status = 'active' AND deleted_at IS NULL;

-- name: attach_guest_lead(lead_id, user_id, now)^
-- A proven guest's records join the account with the same proven address: the lead is
-- converted, its appointments (with their intake forms) and waitlist requests become
-- the account's (the lead stays on them as their history), and the consents the guest
-- gave carry over where the account has made no choice of that kind yet.
WITH lead AS (
    SELECT id FROM leads
    WHERE id = :lead_id AND converted_user_id IS NULL AND merged_into_id IS NULL
    FOR UPDATE
), appointments_attached AS (
    UPDATE appointments SET client_user_id = :user_id, updated_at = :now, version = version + 1
    WHERE lead_id IN (SELECT id FROM lead) AND client_user_id IS NULL
    RETURNING id
), waitlist_attached AS (
    UPDATE waitlist_requests SET user_id = :user_id, updated_at = :now
    WHERE lead_id IN (SELECT id FROM lead) AND user_id IS NULL
    RETURNING id
), consents_carried AS (
    INSERT INTO consents (id, user_id, lead_id, consent_type, granted, document_version,
                          source, created_at)
    SELECT gen_random_uuid(), :user_id, c.lead_id, c.consent_type, c.granted,
           c.document_version, c.source, :now
    FROM (
        SELECT DISTINCT ON (consent_type) lead_id, consent_type, granted, document_version,
               source
        FROM consents WHERE lead_id IN (SELECT id FROM lead)
        ORDER BY consent_type, created_at DESC, id DESC
    ) AS c
    WHERE NOT EXISTS (SELECT 1 FROM consents AS u
                      WHERE u.user_id = :user_id AND u.consent_type = c.consent_type)
    RETURNING id
)
UPDATE leads SET status = 'converted', converted_user_id = :user_id, updated_at = :now,
                 version = version + 1
WHERE id IN (SELECT id FROM lead)
RETURNING id, (SELECT count(*) FROM appointments_attached) AS appointments,
          (SELECT count(*) FROM waitlist_attached) AS waitlist_requests,
          (SELECT count(*) FROM consents_carried) AS consents;

-- name: store_guest_export(id, archive_encrypted, download_token_hash, download_expires_at)!
UPDATE guest_email_links
SET archive_encrypted = :archive_encrypted, download_token_hash = :download_token_hash,
    download_expires_at = :download_expires_at
WHERE id = :id AND kind = 'export';

-- name: take_guest_export(download_token_hash, now)^
-- One time only: the archive leaves the database as it is handed over.
UPDATE guest_email_links AS g SET archive_encrypted = NULL, downloaded_at = :now
FROM (
    SELECT id, archive_encrypted FROM guest_email_links
    WHERE download_token_hash = :download_token_hash AND download_expires_at > :now
      AND downloaded_at IS NULL AND archive_encrypted IS NOT NULL
    FOR UPDATE
) AS ready
WHERE g.id = ready.id
RETURNING ready.id, ready.archive_encrypted;

-- name: forget_guest_address(email_normalized)!
-- Erasure: every link sent to the address goes (the audit log keeps the request's id).
DELETE FROM guest_email_links WHERE email_normalized = :email_normalized;

-- name: purge_guest_links(before)!
-- Retention: links spent or expired before ``before``, with any archive left in them.
DELETE FROM guest_email_links
WHERE coalesce(download_expires_at, expires_at) < :before;

-- name: forget_user_guest_links(user_id)!
-- An account's erasure: links once sent to its address (as a guest) go too.
DELETE FROM guest_email_links
WHERE email_normalized = (SELECT lower(email) FROM users WHERE id = :user_id);
