-- 0036 crm and identity: contact details are claims (constraints)
--
-- What: drops the uniqueness of (kind, value_normalized) on lead_identities (0033
--       built a plain index to replace it, and moved users' phone uniqueness to verified
--       phones only); adds the foreign keys of the contact_identity_id columns
--       (ON DELETE SET NULL: erasing an identity leaves no dangling reference), NOT
--       VALID here and validated by 0037; seeds the e-mail telling an account's owner
--       that a Telegram account was linked.
-- Why:  one contact detail may now be claimed by several leads and unverified phones
--       by several accounts; uniqueness on a claim let a stranger block a real client
--       and revealed which numbers are in use.
-- rollback note: only while no contact appears twice: ALTER TABLE lead_identities ADD
--       CONSTRAINT lead_identities_kind_value_normalized_key UNIQUE (kind,
--       value_normalized); DROP the two *_contact_identity_id_fkey,
--       leads_merged_into_id_fkey and leads_merged_into_check;
--       DELETE FROM message_templates WHERE code = 'identity.telegram_linked'.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The guarantee is withdrawn on purpose: a contact detail is a claim, and the code no
-- longer relies on it (it never looks a lead up by a contact to act on it).
-- squawk-ignore ban-drop-constraint
ALTER TABLE lead_identities DROP CONSTRAINT lead_identities_kind_value_normalized_key;

ALTER TABLE appointments ADD CONSTRAINT appointments_contact_identity_id_fkey
    FOREIGN KEY (contact_identity_id) REFERENCES lead_identities (id) ON DELETE SET NULL NOT VALID;
ALTER TABLE waitlist_requests ADD CONSTRAINT waitlist_requests_contact_identity_id_fkey
    FOREIGN KEY (contact_identity_id) REFERENCES lead_identities (id) ON DELETE SET NULL NOT VALID;
ALTER TABLE leads ADD CONSTRAINT leads_merged_into_id_fkey
    FOREIGN KEY (merged_into_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE leads ADD CONSTRAINT leads_merged_into_check
    CHECK (merged_into_id IS NULL OR merged_into_id <> id) NOT VALID;

COMMENT ON TABLE lead_identities IS 'P1. Contact details a lead gave: claims, not proof; one contact may appear on several leads, which only staff merge (audited).';
COMMENT ON COLUMN lead_identities.value_normalized IS 'P1. Normalised form (lower-case e-mail, E.164 phone, numeric Telegram id); indexed, not unique.';
COMMENT ON TABLE leads IS 'P1. Prospective clients known by the contact details they gave; one lead per public request, merged only by staff, converted to a user.';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('identity.telegram_linked', 'email', 'ru', 'К вашему аккаунту привязан Telegram',
     E'Здравствуйте, {display_name}!\n\nК вашему аккаунту в «Эмоциональном балансе» только что привязан Telegram-аккаунт {telegram_name}.\nЕсли это были не вы, отвяжите его в личном кабинете ({cabinet_url}) и напишите нам.'),
    ('bot.link_pending', 'telegram', 'ru', NULL,
     'Почти готово: вернитесь на сайт, где вы запросили ссылку, и подтвердите привязку этого Telegram-аккаунта в течение 15 минут.')
ON CONFLICT DO NOTHING;
