-- 0044 moderation and booking: answers an anonymous author can read; waitlist offers that hold the slot
--
-- What: ugc_reading_tokens (the SHA-256 of the secret reading token an author without an
--       account gets once, at submission) and ugc_answer_recipients (who is told, in an
--       encrypted envelope, when the answer arrives); waitlist_requests gains the offered
--       slot (start, blocked period), the offer's end and the hash of the offer token;
--       templates for "your answer is ready".
-- Why:  an anonymous author had no way to read the answer; a freed slot offered to the
--       first person waiting was free for anybody to take before they could.
-- rollback note: DROP TABLE ugc_answer_recipients, ugc_reading_tokens;
--       ALTER TABLE waitlist_requests DROP COLUMN offer_start_at, DROP COLUMN
--       offer_blocked_period, DROP COLUMN offer_expires_at, DROP COLUMN offer_token_hash;
--       DELETE FROM message_templates WHERE code = 'moderation.answered' AND version = 1;
--       (the recipient_kind check may keep 'question_contact': rows may use it).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE ugc_reading_tokens (
    token_hash bytea PRIMARY KEY,
    ugc_item_id uuid NOT NULL REFERENCES ugc_items (id) ON DELETE CASCADE,
    CONSTRAINT ugc_reading_tokens_ugc_item_id_key UNIQUE (ugc_item_id),
    CONSTRAINT ugc_reading_tokens_token_hash_check CHECK (octet_length(token_hash) = 32)
);

COMMENT ON TABLE ugc_reading_tokens IS 'P0. The SHA-256 of the reading token an author without an account got once at submission; the token itself is never stored.';

CREATE TABLE ugc_answer_recipients (
    id uuid PRIMARY KEY,
    ugc_item_id uuid NOT NULL REFERENCES ugc_items (id) ON DELETE CASCADE,
    recipient_encrypted text NOT NULL,
    CONSTRAINT ugc_answer_recipients_recipient_encrypted_check CHECK (recipient_encrypted LIKE 'enc:v1:%')
);

CREATE INDEX ugc_answer_recipients_ugc_item_id_idx ON ugc_answer_recipients (ugc_item_id);

COMMENT ON TABLE ugc_answer_recipients IS 'P2. Whom to tell that an answer arrived (the author''s account, or a contact left with consent); deleted once told.';
COMMENT ON COLUMN ugc_answer_recipients.recipient_encrypted IS 'P2. The account id, or the e-mail with the reading link, in the enc:v1 envelope bound to the row: the item names no author in plaintext.';

ALTER TABLE waitlist_requests
    ADD COLUMN offer_start_at timestamptz,
    ADD COLUMN offer_blocked_period tstzrange,
    ADD COLUMN offer_expires_at timestamptz,
    ADD COLUMN offer_token_hash bytea;

COMMENT ON COLUMN waitlist_requests.offer_start_at IS 'P0. The start of the freed slot offered to this request.';
COMMENT ON COLUMN waitlist_requests.offer_blocked_period IS 'P0. The offered slot with its buffers: kept for this request only while the offer stands.';
COMMENT ON COLUMN waitlist_requests.offer_expires_at IS 'P0. When the offer lapses and the slot is free for anybody again.';
COMMENT ON COLUMN waitlist_requests.offer_token_hash IS 'P0. The SHA-256 of the token in the offer link (a guest takes the offer with it).';

-- A message to a contact an anonymous author left (no account, no lead): recipient_id is
-- the ugc_answer_recipients row. Checked for new rows at once; the rows already there
-- satisfy it (the old list is a subset), so no validation scan is needed. The
-- replacement below, in the same transaction, widens the old list: no guarantee is lost.
-- squawk-ignore ban-drop-constraint
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_recipient_kind_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_recipient_kind_check
    CHECK (recipient_kind IN ('user', 'lead', 'telegram_account', 'login_code', 'question_contact')) NOT VALID;

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('moderation.answered', 'email', 'ru', 'Вы получили ответ на свой вопрос', E'Здравствуйте!\n\nНа ваш вопрос ответили. Прочитать ответ: {answer_url}\n\nЕсли вы не задавали вопрос, просто проигнорируйте это письмо.'),
    ('moderation.answered', 'telegram', 'ru', NULL, 'На ваш вопрос ответили. Прочитать ответ: {answer_url}')
ON CONFLICT DO NOTHING;
