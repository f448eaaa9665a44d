-- transactional: false
-- 0042 payments: remainder payments after a deposit, and the reminder to pay them
--
-- What: payments.kind also takes 'remainder' (the rest of the price, paid after a
--       deposit); at most one remainder payment per appointment is open (intent,
--       pending or waiting for capture) at a time, kept by a partial unique index; the
--       booking.remainder_due message (e-mail and Telegram) with the payment link.
-- Why:  a service with a deposit takes the deposit at booking and lets the client pay
--       the rest before the session; two open remainder payments would let the client
--       pay the rest twice. The index is built CONCURRENTLY (outside a transaction) so
--       payments are never blocked meanwhile. The widened CHECK is added NOT VALID:
--       existing rows hold 'full' or 'deposit', which the new check allows, and new
--       rows are checked from now on.
-- rollback note: DELETE FROM message_templates WHERE code = 'booking.remainder_due';
--       DROP INDEX CONCURRENTLY payments_open_remainder_key; ALTER TABLE payments DROP
--       CONSTRAINT payments_kind_check, ADD CONSTRAINT payments_kind_check CHECK (kind IN
--       ('full', 'deposit')) NOT VALID (fails on rows with 'remainder': refund or
--       relabel them first).

SET lock_timeout = '5s';
SET statement_timeout = '10min';

-- The check is replaced by a wider one in one statement: no moment without it.
-- squawk-ignore ban-drop-constraint
ALTER TABLE payments DROP CONSTRAINT payments_kind_check,
    ADD CONSTRAINT payments_kind_check CHECK (kind IN ('full', 'deposit', 'remainder')) NOT VALID;

COMMENT ON COLUMN payments.kind IS 'P0. What the payment is for: full (the price), deposit (taken at booking), remainder (the rest of the price after a deposit).';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS payments_open_remainder_key
    ON payments (appointment_id)
    WHERE kind = 'remainder' AND status IN ('intent', 'pending', 'waiting_for_capture');

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('booking.remainder_due', 'email', 'ru', 'Оплатите остаток до консультации {start_local}',
     E'Здравствуйте, {display_name}!\n\nДо консультации {service_title}, {start_local}, осталось недолго. Предоплата получена, остаётся оплатить {amount_due} {currency}.\nОплатить: {payment_url}\n\nУправлять записью: {manage_url}'),
    ('booking.remainder_due', 'telegram', 'ru', NULL,
     'Консультация {service_title}, {start_local}: остаётся оплатить {amount_due} {currency}. Оплатить: {payment_url}')
ON CONFLICT DO NOTHING;
