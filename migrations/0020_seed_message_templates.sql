-- 0020 seed: message templates
--
-- What: the Russian wording of every message the service sends, by e-mail and in
--       Telegram: login code; booking held, confirmed, canceled, rescheduled,
--       reminder; payment failed; waitlist offer; data export ready.
-- Why:  notifications are rendered from these rows, so staff can edit wording without
--       a deploy. Placeholders in braces are filled with P0/P1 values only: a message
--       never carries intake, diary or question texts (P2).
--       ON CONFLICT DO NOTHING never overwrites wording staff have edited.
-- rollback note: DELETE FROM message_templates WHERE updated_by IS NULL AND version = 1;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('auth.login_code', 'email', 'ru', 'Код для входа: {code}', E'Здравствуйте!\n\nВаш код для входа в «Эмоциональный баланс»: {code}\nКод действует 10 минут. Если вы не запрашивали код, просто проигнорируйте это письмо.'),
    ('booking.held', 'email', 'ru', 'Время забронировано — осталось оплатить', E'Здравствуйте, {display_name}!\n\nМы придержали для вас время: {service_title}, {start_local}.\nЧтобы подтвердить запись, оплатите её до {hold_expires_local}: {payment_url}\n\nУправлять записью: {manage_url}'),
    ('booking.held', 'telegram', 'ru', NULL, 'Время придержано: {service_title}, {start_local}. Оплатите до {hold_expires_local}, чтобы подтвердить запись: {payment_url}'),
    ('booking.confirmed', 'email', 'ru', 'Запись подтверждена: {start_local}', E'Здравствуйте, {display_name}!\n\nОплата получена, запись подтверждена: {service_title}, {start_local}.\n{location}\n\nЕсли планы изменятся, перенести или отменить запись можно здесь: {manage_url}'),
    ('booking.confirmed', 'telegram', 'ru', NULL, 'Запись подтверждена: {service_title}, {start_local}. {location}'),
    ('booking.canceled', 'email', 'ru', 'Запись отменена', E'Здравствуйте, {display_name}!\n\nЗапись {service_title}, {start_local} отменена.\n{refund_text}\n\nЗаписаться снова: {booking_url}'),
    ('booking.canceled', 'telegram', 'ru', NULL, 'Запись {service_title}, {start_local} отменена. {refund_text}'),
    ('booking.rescheduled', 'email', 'ru', 'Запись перенесена на {start_local}', E'Здравствуйте, {display_name}!\n\nЗапись перенесена: {service_title}, теперь {start_local}.\n\nУправлять записью: {manage_url}'),
    ('booking.rescheduled', 'telegram', 'ru', NULL, 'Запись перенесена: {service_title}, теперь {start_local}.'),
    ('booking.reminder', 'email', 'ru', 'Напоминание: консультация {start_local}', E'Здравствуйте, {display_name}!\n\nНапоминаем о консультации: {service_title}, {start_local}.\n{location}\n\nУправлять записью: {manage_url}'),
    ('booking.reminder', 'telegram', 'ru', NULL, 'Напоминаем: {service_title}, {start_local}. {location}'),
    ('payment.failed', 'email', 'ru', 'Оплата не прошла', E'Здравствуйте, {display_name}!\n\nОплата записи {service_title}, {start_local} не прошла. Попробовать ещё раз: {payment_url}\nВремя придержано до {hold_expires_local}.'),
    ('payment.failed', 'telegram', 'ru', NULL, 'Оплата записи {service_title}, {start_local} не прошла. Попробовать ещё раз: {payment_url}'),
    ('waitlist.offer', 'email', 'ru', 'Освободилось время: {start_local}', E'Здравствуйте, {display_name}!\n\nОсвободилось время, которое вы ждали: {service_title}, {start_local}.\nЗаписаться: {booking_url}\nПредложение действует до {offer_expires_local}.'),
    ('waitlist.offer', 'telegram', 'ru', NULL, 'Освободилось время: {service_title}, {start_local}. Записаться: {booking_url}'),
    ('cabinet.data_export_ready', 'email', 'ru', 'Ваши данные готовы к скачиванию', E'Здравствуйте, {display_name}!\n\nАрхив с вашими данными готов. Скачать его можно один раз по ссылке до {expires_local}: {download_url}\nЕсли вы не запрашивали выгрузку, напишите нам.')
ON CONFLICT DO NOTHING;
