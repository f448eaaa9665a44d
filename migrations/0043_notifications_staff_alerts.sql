-- 0043 notifications: staff alerts and who receives them
--
-- What: staff_notification_preferences (per staff member and alert kind: on or off) and
--       the Russian wording of the staff alerts, by e-mail and in Telegram: a new paid
--       booking, a cancellation, a reschedule, a crisis-flagged question or self-check,
--       a moderation item near its SLA, a payment that needs attention, the Google
--       Calendar link failing.
-- Why:  the owner (on by default) and staff who opt in are told what needs them; an
--       alert carries the kind, a time, a service title at most and a staff link —
--       never a question, a form or anything else a client wrote (P2).
-- rollback note: DROP TABLE staff_notification_preferences;
--       DELETE FROM message_templates WHERE code LIKE 'staff.%' AND updated_by IS NULL;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE staff_notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    enabled boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind),
    CONSTRAINT staff_notification_preferences_kind_check CHECK (
        kind IN ('booking_paid', 'booking_changed', 'crisis', 'sla', 'payment_attention',
                 'calendar')
    )
);

COMMENT ON TABLE staff_notification_preferences IS 'P0. Which staff alerts a staff member receives; a kind with no row follows the default (on for the owner, off for others).';
COMMENT ON COLUMN staff_notification_preferences.user_id IS 'P0. The staff member.';
COMMENT ON COLUMN staff_notification_preferences.kind IS 'P0. The alert kind (booking_paid, booking_changed, crisis, sla, payment_attention, calendar).';
COMMENT ON COLUMN staff_notification_preferences.enabled IS 'P0. Whether the staff member receives this kind, by e-mail and on their linked Telegram.';
COMMENT ON COLUMN staff_notification_preferences.updated_at IS 'P0. When the staff member last changed it.';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('staff.booking_paid', 'email', 'ru', 'Новая оплаченная запись: {start_local}', E'Новая оплаченная запись: {service_title}, {start_local}.\n\nОткрыть запись: {link}'),
    ('staff.booking_paid', 'telegram', 'ru', NULL, 'Новая оплаченная запись: {service_title}, {start_local}. {link}'),
    ('staff.booking_canceled', 'email', 'ru', 'Запись отменена: {start_local}', E'Запись отменена: {service_title}, {start_local}.\n\nОткрыть запись: {link}'),
    ('staff.booking_canceled', 'telegram', 'ru', NULL, 'Запись отменена: {service_title}, {start_local}. {link}'),
    ('staff.booking_rescheduled', 'email', 'ru', 'Запись перенесена на {start_local}', E'Запись перенесена: {service_title}, теперь {start_local}.\n\nОткрыть запись: {link}'),
    ('staff.booking_rescheduled', 'telegram', 'ru', NULL, 'Запись перенесена: {service_title}, теперь {start_local}. {link}'),
    ('staff.crisis_question', 'email', 'ru', 'Срочно: вопрос с кризисным признаком', E'Поступил вопрос с кризисным признаком ({time_local}). Ответить нужно до {due_local}.\n\nОткрыть в очереди модерации: {link}'),
    ('staff.crisis_question', 'telegram', 'ru', NULL, 'Срочно: вопрос с кризисным признаком ({time_local}), ответить до {due_local}. {link}'),
    ('staff.crisis_self_check', 'email', 'ru', 'Самопроверка с кризисным признаком', E'Самопроверка завершилась кризисным признаком ({time_local}). Человеку показаны кризисные контакты.\n\nПроверить кризисные контакты: {link}'),
    ('staff.crisis_self_check', 'telegram', 'ru', NULL, 'Самопроверка завершилась кризисным признаком ({time_local}). Кризисные контакты: {link}'),
    ('staff.sla_warning', 'email', 'ru', 'Срок модерации истекает: {due_local}', E'Элемент очереди модерации ждёт ответа; срок — {due_local}.\n\nОткрыть: {link}'),
    ('staff.sla_warning', 'telegram', 'ru', NULL, 'Срок модерации истекает {due_local}. {link}'),
    ('staff.payment_attention', 'email', 'ru', 'Платёж требует внимания', E'Платёж требует внимания: {reason_text}\n\nОткрыть платёж: {link}'),
    ('staff.payment_attention', 'telegram', 'ru', NULL, 'Платёж требует внимания: {reason_text} {link}'),
    ('staff.calendar_failing', 'email', 'ru', 'Не работает связь с Google Календарём', E'Связь с Google Календарём не работает: новые записи не попадают в календарь, а занятое в нём время не учитывается.\n\nПроверить настройки: {link}'),
    ('staff.calendar_failing', 'telegram', 'ru', NULL, 'Не работает связь с Google Календарём. Проверить настройки: {link}')
ON CONFLICT DO NOTHING;
