-- transactional: false
-- 0033 crm and identity: contact details are claims until verified (columns and indexes)
--
-- What: lead_identities.value_normalized gets a plain (non-unique) index for staff
--       search and merge suggestions; appointments and waitlist_requests get
--       contact_identity_id, the e-mail identity given in that booking (messages about
--       it go there and nowhere else), with indexes; users get phone_verified_at and a
--       unique index over verified phones only; deep_links get claimed_by_telegram_user_id
--       and confirmed_at for account links confirmed in the signed-in session; leads get
--       merged_into_id for staff merges.
-- Why:  a public request (contact form, guest booking, self-check, /start) used to be
--       merged into any lead sharing one contact detail, which let one person reach
--       another's data. Now every such request makes its own lead, so one contact may
--       appear on many leads (0036 drops the unique constraint once this index exists);
--       an unverified phone is a claim several accounts may make. Indexes are built
--       CONCURRENTLY (outside a transaction) so bookings are never blocked meanwhile.
-- rollback note: CREATE UNIQUE INDEX CONCURRENTLY
--       users_phone_key ON users (phone) WHERE deleted_at IS NULL AND phone IS NOT NULL
--       (fails if two accounts claim one phone); DROP INDEX CONCURRENTLY for the five
--       indexes below; ALTER TABLE ... DROP
--       COLUMN contact_identity_id (appointments, waitlist_requests), phone_verified_at
--       (users), claimed_by_telegram_user_id and confirmed_at (deep_links), merged_into_id
--       (leads); DROP INDEX CONCURRENTLY leads_merged_into_id_idx.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

ALTER TABLE appointments ADD COLUMN IF NOT EXISTS contact_identity_id uuid;
ALTER TABLE waitlist_requests ADD COLUMN IF NOT EXISTS contact_identity_id uuid;
ALTER TABLE users ADD COLUMN IF NOT EXISTS phone_verified_at timestamptz;
ALTER TABLE deep_links ADD COLUMN IF NOT EXISTS claimed_by_telegram_user_id bigint;
ALTER TABLE deep_links ADD COLUMN IF NOT EXISTS confirmed_at timestamptz;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS merged_into_id uuid;

COMMENT ON COLUMN appointments.contact_identity_id IS 'P0. The lead identity (e-mail) given in this booking; messages about the appointment go only there.';
COMMENT ON COLUMN waitlist_requests.contact_identity_id IS 'P0. The lead identity (e-mail) given with this request; offers go only there.';
COMMENT ON COLUMN users.phone_verified_at IS 'P0. When the phone was confirmed by a code sent to it; NULL: an unverified claim that grants nothing.';
COMMENT ON COLUMN deep_links.claimed_by_telegram_user_id IS 'P1. The Telegram user who opened an account-linking link; linked only after the account owner confirms in a signed-in session.';
COMMENT ON COLUMN leads.merged_into_id IS 'P0. Staff merged this lead into that one (audited); the row stays only as the anchor of its consent history.';
COMMENT ON COLUMN deep_links.confirmed_at IS 'P0. When the account owner confirmed the Telegram link (single use).';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_identities_kind_value_normalized_idx
    ON lead_identities (kind, value_normalized);
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS appointments_contact_identity_id_idx
    ON appointments (contact_identity_id) WHERE contact_identity_id IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS waitlist_requests_contact_identity_id_idx
    ON waitlist_requests (contact_identity_id) WHERE contact_identity_id IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_merged_into_id_idx
    ON leads (merged_into_id) WHERE merged_into_id IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_verified_phone_key
    ON users (phone) WHERE deleted_at IS NULL AND phone IS NOT NULL AND phone_verified_at IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS deep_links_claimed_by_telegram_user_id_idx
    ON deep_links (claimed_by_telegram_user_id) WHERE claimed_by_telegram_user_id IS NOT NULL;
-- Unverified phones are claims several accounts may make; only verified ones are unique.
-- squawk-ignore ban-concurrent-index-creation-in-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_phone_key;

RESET statement_timeout;
RESET lock_timeout;
