-- transactional: false
-- 0045 booking: the owner's day view and editable schedule entries
--
-- What: a version on schedule_rules and schedule_exceptions (edits send If-Match), an
--       updated_at on schedule_exceptions; indexes for the staff appointment view:
--       audit entries by entity (has the owner read this intake form?) and outbox
--       events by aggregate (an appointment's history).
-- Why:  staff now list, edit and delete weekly rules and exceptions; two people editing
--       one entry must not silently overwrite each other. The day list and the detail
--       read the audit log and the outbox per appointment; without these indexes each
--       request would read every entry kept. Built CONCURRENTLY (outside a transaction)
--       so writers are never blocked.
--       The bot's two "choose a time" texts named Moscow time whatever the practice's
--       zone; unedited rows now name the zone through {timezone}.
-- rollback note: DROP INDEX CONCURRENTLY audit_log_entries_entity_idx,
--       outbox_events_aggregate_idx; ALTER TABLE schedule_rules DROP COLUMN version;
--       ALTER TABLE schedule_exceptions DROP COLUMN version, DROP COLUMN updated_at.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

ALTER TABLE schedule_rules ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;
ALTER TABLE schedule_exceptions ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;
ALTER TABLE schedule_exceptions ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

COMMENT ON COLUMN schedule_rules.version IS 'P0. Optimistic-locking version; an edit sends it as If-Match.';
COMMENT ON COLUMN schedule_exceptions.version IS 'P0. Optimistic-locking version; an edit sends it as If-Match.';
COMMENT ON COLUMN schedule_exceptions.updated_at IS 'P0. When staff last changed the exception.';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_entries_entity_idx
    ON audit_log_entries (entity_type, entity_id, occurred_at);
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_events_aggregate_idx
    ON outbox_events (aggregate_type, aggregate_id);

-- Only rows nobody has edited (an edited wording is the owner's and stays).
UPDATE message_templates
SET body = 'Ближайшее свободное время (часовой пояс {timezone}):', version = version + 1,
    updated_at = now()
WHERE code = 'bot.book_choose_slot' AND channel = 'telegram' AND locale = 'ru'
  AND updated_by IS NULL AND body = 'Ближайшее свободное время (по московскому времени):';
UPDATE message_templates
SET body = 'На какое время перенести {service_title}? Время указано по часовому поясу {timezone}.',
    version = version + 1, updated_at = now()
WHERE code = 'bot.reschedule_choose_slot' AND channel = 'telegram' AND locale = 'ru'
  AND updated_by IS NULL AND body = 'На какое время перенести {service_title}? Время московское.';

RESET statement_timeout;
RESET lock_timeout;
