-- 0039 booking: where a session happens, and messages that say it
--
-- What: services.meeting_url (the standing video link of an online service) and
--       services.address (where an in-person service takes place); a length check on
--       the appointment's meeting_url and location_text; the templates of the new
--       messages (booking.location_changed: staff changed the link or address of one
--       appointment; booking.manage_link: a guest asked for a fresh manage link); the
--       seeded rescheduled messages gain {location}, like confirmation and reminder.
-- Why:  a confirmed appointment must say where it happens (issue 19, "Where to go"):
--       the Google Meet link, the service's own link or one staff set, or the address.
-- rollback note: ALTER TABLE services DROP COLUMN meeting_url, DROP COLUMN address;
--       ALTER TABLE appointments DROP CONSTRAINT appointments_meeting_url_check,
--       DROP CONSTRAINT appointments_location_text_check; DELETE FROM message_templates
--       WHERE code IN ('booking.location_changed', 'booking.manage_link'); the wording
--       of booking.rescheduled is not restored.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE services ADD COLUMN IF NOT EXISTS meeting_url text;
ALTER TABLE services ADD COLUMN IF NOT EXISTS address text;

-- NOT VALID: no scan under the lock. New rows and updates are checked; no existing row
-- can fail (services' columns are new, the appointments' were never written before).
ALTER TABLE services ADD CONSTRAINT services_meeting_url_check
    CHECK (meeting_url ~ '^https://\S+$' AND char_length(meeting_url) <= 500) NOT VALID;
ALTER TABLE services ADD CONSTRAINT services_address_check
    CHECK (char_length(address) BETWEEN 1 AND 500) NOT VALID;
ALTER TABLE appointments ADD CONSTRAINT appointments_meeting_url_check
    CHECK (meeting_url ~ '^https://\S+$' AND char_length(meeting_url) <= 500) NOT VALID;
ALTER TABLE appointments ADD CONSTRAINT appointments_location_text_check
    CHECK (char_length(location_text) BETWEEN 1 AND 500) NOT VALID;

COMMENT ON COLUMN services.meeting_url IS 'P0. The standing video link of an online service (used when no Google Meet link is made and staff set none on the appointment).';
COMMENT ON COLUMN services.address IS 'P0. Where an in-person service takes place (address, room): the practice''s, never a client''s.';
COMMENT ON COLUMN appointments.location_text IS 'P0. Where an in-person session takes place (the service''s address when booked, or what staff set).';
COMMENT ON COLUMN appointments.external_calendar_event_id IS 'P0. The practitioner''s Google Calendar event of this appointment.';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('booking.location_changed', 'email', 'ru', 'Где пройдёт консультация {start_local}', E'Здравствуйте, {display_name}!\n\nДля записи {service_title}, {start_local} изменилось место встречи.\n{location}\n\nЗапись: {manage_url}'),
    ('booking.location_changed', 'telegram', 'ru', NULL, E'Изменилось место встречи: {service_title}, {start_local}.\n{location}\nЗапись: {manage_url}'),
    ('booking.manage_link', 'email', 'ru', 'Ссылка для управления записью', E'Здравствуйте!\n\nВы запросили ссылку на запись {service_title}, {start_local}.\nПеренести или отменить запись можно здесь: {manage_url}\n\nПрежние ссылки на эту запись больше не действуют. Если вы не запрашивали ссылку, просто проигнорируйте это письмо.')
ON CONFLICT (code, channel, locale) DO NOTHING;

-- The rescheduled messages say where, as confirmation and reminder do; wording staff
-- already edited is left alone.
UPDATE message_templates
SET body = E'Здравствуйте, {display_name}!\n\nЗапись перенесена: {service_title}, теперь {start_local}.\n{location}\n\nУправлять записью: {manage_url}'
WHERE code = 'booking.rescheduled' AND channel = 'email' AND locale = 'ru' AND updated_by IS NULL
  AND body = E'Здравствуйте, {display_name}!\n\nЗапись перенесена: {service_title}, теперь {start_local}.\n\nУправлять записью: {manage_url}';
UPDATE message_templates
SET body = 'Запись перенесена: {service_title}, теперь {start_local}. {location}'
WHERE code = 'booking.rescheduled' AND channel = 'telegram' AND locale = 'ru'
  AND updated_by IS NULL AND body = 'Запись перенесена: {service_title}, теперь {start_local}.';
