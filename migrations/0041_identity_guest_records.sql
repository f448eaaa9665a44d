-- 0041 identity: guests' e-mail links (proof of a guest's address, guest export and
--      erasure) and the messages that carry them
--
-- What: guest_email_links, one row per single-use link e-mailed to an address a guest
--       gave: 'contact' (sent when someone signs in with an address that guests' bookings
--       gave without proof: opening it proves the bookings made with the address before
--       it was sent, and only then do they join the account), 'export' and 'erasure' (a
--       guest's data-subject request, confirmed from the mailbox). An export keeps its
--       archive here, encrypted, until downloaded once or expired.
--       Seeds the three e-mails that carry the links.
-- Why:  a guest's e-mail is a claim; nothing about a guest is attached to an account
--       or handed out on the strength of an address someone typed. Tokens are stored
--       as SHA-256 only.
-- rollback note: DROP TABLE guest_email_links; DELETE FROM message_templates WHERE code
--       IN ('identity.guest_records_confirm', 'privacy.guest_request',
--       'privacy.guest_export_ready').

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE guest_email_links (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    email_normalized text NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    archive_encrypted text,
    download_token_hash bytea,
    download_expires_at timestamptz,
    downloaded_at timestamptz,
    CONSTRAINT guest_email_links_kind_check CHECK (kind IN ('contact', 'export', 'erasure')),
    CONSTRAINT guest_email_links_token_hash_key UNIQUE (token_hash),
    CONSTRAINT guest_email_links_token_hash_check CHECK (octet_length(token_hash) = 32),
    CONSTRAINT guest_email_links_expires_check CHECK (expires_at > created_at),
    CONSTRAINT guest_email_links_archive_encrypted_check CHECK (archive_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT guest_email_links_download_check CHECK (
        (download_token_hash IS NULL OR octet_length(download_token_hash) = 32)
        AND (download_token_hash IS NULL) = (download_expires_at IS NULL)
    )
);

CREATE UNIQUE INDEX guest_email_links_download_token_hash_key
    ON guest_email_links (download_token_hash) WHERE download_token_hash IS NOT NULL;
CREATE INDEX guest_email_links_email_kind_created_at_idx
    ON guest_email_links (email_normalized, kind, created_at DESC);
CREATE INDEX guest_email_links_expires_at_idx ON guest_email_links (expires_at);

COMMENT ON TABLE guest_email_links IS 'P1 row, P2 archive. Single-use links e-mailed to an address a guest gave: confirm the address of a booking (contact), or a guest''s export or erasure request; deleted when the address is erased.';
COMMENT ON COLUMN guest_email_links.kind IS 'P0. contact: prove the address the guests'' bookings made before the link gave; export / erasure: a guest''s data-subject request.';
COMMENT ON COLUMN guest_email_links.email_normalized IS 'P1. The address the link was sent to (lower case); used to rate-limit and to find the guest''s leads.';
COMMENT ON COLUMN guest_email_links.token_hash IS 'P0 (secret-derived). SHA-256 of the link''s token; the token is only in the e-mail.';
COMMENT ON COLUMN guest_email_links.expires_at IS 'P0. The link is refused after this time.';
COMMENT ON COLUMN guest_email_links.confirmed_at IS 'P0. When the link was used (single use).';
COMMENT ON COLUMN guest_email_links.archive_encrypted IS 'P2. The export archive (JSON), encrypted; set to NULL once downloaded.';
COMMENT ON COLUMN guest_email_links.download_token_hash IS 'P0 (secret-derived). SHA-256 of the one-time download token of the export.';
COMMENT ON COLUMN guest_email_links.download_expires_at IS 'P0. The archive cannot be downloaded after this time.';
COMMENT ON COLUMN guest_email_links.downloaded_at IS 'P0. When the archive was downloaded (once).';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('identity.guest_records_confirm', 'email', 'ru', 'Перенести записи в личный кабинет?',
     E'Здравствуйте!\n\nВы вошли в личный кабинет, а раньше с этим адресом записывались без входа (записей: {bookings_count}).\nЕсли это были вы, откройте ссылку до {expires_local}: {confirm_url}\nЗаписи и анкеты появятся в кабинете.\n\nЕсли вы не записывались, ничего не делайте: без подтверждения чужие записи в ваш кабинет не попадут.'),
    ('privacy.guest_request', 'email', 'ru', 'Подтвердите запрос о ваших данных',
     E'Здравствуйте!\n\nС этим адресом запросили {request_text}.\nЧтобы подтвердить запрос, откройте ссылку до {expires_local}: {confirm_url}\n\nЕсли вы ничего не запрашивали, просто не открывайте ссылку.'),
    ('privacy.guest_export_ready', 'email', 'ru', 'Ваши данные готовы к скачиванию',
     E'Здравствуйте!\n\nАрхив с данными, которые вы оставили при записи, готов. Скачать его можно один раз по ссылке до {expires_local}: {download_url}\nЕсли вы не запрашивали выгрузку, напишите нам.')
ON CONFLICT DO NOTHING;
