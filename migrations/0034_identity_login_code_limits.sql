-- 0034 identity: login codes cannot be guessed slowly; a Telegram login is used once;
--      messages carry no text a caller wrote
--
-- What: (1) login_lockouts: an address locked for a day after 20 wrong codes in 24 hours,
--       keyed by a keyed hash of the address (the wrong guesses themselves are the
--       existing login_codes.attempts); (2) telegram_login_payloads: the SHA-256 of each
--       accepted Telegram Login Widget signature until the payload would be refused as
--       stale anyway; (3) the auth.login_code subject no longer holds the code (the body
--       does); (4) the template auth.login_locked, the notice sent to a locked address;
--       (5) the seeded booking e-mails greet without {display_name}: a guest's name is
--       whatever the person booking typed, and it is no longer sent.
-- Why:  3 codes per 15 minutes with 5 guesses each let anyone try ~1,440 codes a day on
--       one address; a subject shows on lock screens and in mail previews; a captured
--       widget payload could be replayed for an hour; a guest booking with somebody
--       else's address made the practice e-mail that address the guest's chosen text.
-- rollback note: DROP TABLE login_lockouts, telegram_login_payloads;
--       DELETE FROM message_templates WHERE code = 'auth.login_locked';
--       the old subject and greetings are in 0020 (restoring them undoes the fix).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE login_lockouts (
    email_hash bytea PRIMARY KEY,
    id uuid NOT NULL,
    locked_at timestamptz NOT NULL,
    locked_until timestamptz NOT NULL,
    CONSTRAINT login_lockouts_email_hash_check CHECK (octet_length(email_hash) = 32),
    CONSTRAINT login_lockouts_locked_until_check CHECK (locked_until > locked_at)
);

CREATE INDEX login_lockouts_locked_until_idx ON login_lockouts (locked_until);

COMMENT ON TABLE login_lockouts IS 'P0. E-mail addresses whose login is locked after too many wrong codes (20 in 24 hours locks for a day); expired rows are deleted when the next lock is written.';
COMMENT ON COLUMN login_lockouts.email_hash IS 'P0 (secret-derived). Keyed hash (HMAC) of the normalized address; the address itself is not stored. A key rotation lifts current locks.';
COMMENT ON COLUMN login_lockouts.id IS 'P0. This lock (a new one each time the address is locked): the notice e-mail is sent once per lock.';
COMMENT ON COLUMN login_lockouts.locked_until IS 'P0. No code is sent or accepted for the address before this time.';

CREATE TABLE telegram_login_payloads (
    signature_hash bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    CONSTRAINT telegram_login_payloads_signature_hash_check CHECK (octet_length(signature_hash) = 32)
);

CREATE INDEX telegram_login_payloads_expires_at_idx ON telegram_login_payloads (expires_at);

COMMENT ON TABLE telegram_login_payloads IS 'P0. Telegram Login Widget payloads already used to log in, so each is accepted once; a row is deleted once its payload is too old to be accepted anyway.';
COMMENT ON COLUMN telegram_login_payloads.signature_hash IS 'P0 (secret-derived). SHA-256 of the payload''s signature (its hash field).';
COMMENT ON COLUMN telegram_login_payloads.expires_at IS 'P0. auth_date plus the accepted age (10 minutes).';

UPDATE message_templates
SET subject = 'Код для входа в «Эмоциональный баланс»', updated_at = now()
WHERE code = 'auth.login_code' AND channel = 'email' AND subject LIKE '%{code}%';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('auth.login_locked', 'email', 'ru', 'Вход в «Эмоциональный баланс» временно заблокирован',
     E'Здравствуйте!\n\nДля этого адреса много раз подряд ввели неверный код входа, поэтому вход по e-mail заблокирован на сутки.\nЕсли это были вы, попробуйте снова завтра. Если нет — ничего делать не нужно: без кода из письма войти нельзя, а код никому не сообщайте.')
ON CONFLICT DO NOTHING;

UPDATE message_templates
SET body = replace(body, 'Здравствуйте, {display_name}!', 'Здравствуйте!'), updated_at = now()
WHERE code IN ('booking.held', 'booking.confirmed', 'booking.canceled', 'booking.rescheduled',
               'booking.reminder', 'payment.failed', 'waitlist.offer')
  AND channel = 'email' AND version = 1
  AND body LIKE 'Здравствуйте, {display_name}!%';
