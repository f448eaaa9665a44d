-- 0028 telegram: texts for rescheduling from the bot; the payment-failed message says
--      what really happens
--
-- What: Russian templates bot.reschedule_choose_slot, bot.rescheduled,
--       bot.reschedule_closed, bot.book_on_site (channel telegram); bot.my_item no longer
--       sends people to the site to reschedule; payment.failed (e-mail and Telegram) says the
--       held time was released and links to booking again. Rows staff already edited
--       (version > 1) are left as they are.
-- Why:  /my gets a reschedule button; a payment the client gave up releases the hold, so
--       "the time is held until ..." was untrue.
-- rollback note: DELETE the four new codes; the old bodies are in 0020 and 0026.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('bot.reschedule_choose_slot', 'telegram', 'ru', NULL, 'На какое время перенести {service_title}? Время московское.'),
    ('bot.rescheduled', 'telegram', 'ru', NULL, 'Запись перенесена: {service_title}, {start_local}.'),
    ('bot.reschedule_closed', 'telegram', 'ru', NULL, 'Эту запись уже нельзя перенести: до начала осталось меньше {hours} ч. Если что-то случилось, напишите нам: {link}'),
    ('bot.book_on_site', 'telegram', 'ru', NULL, E'Записаться можно на сайте: {link}\nЧтобы записываться прямо здесь, свяжите Telegram с аккаунтом в личном кабинете.')
ON CONFLICT DO NOTHING;

UPDATE message_templates
SET body = E'{service_title}\n{start_local} ({status})', updated_at = now()
WHERE code = 'bot.my_item' AND channel = 'telegram' AND locale = 'ru' AND version = 1;

UPDATE message_templates
SET subject = 'Оплата не прошла',
    body = E'Здравствуйте, {display_name}!\n\nОплата записи {service_title}, {start_local} не прошла, и время освободилось. Выбрать время снова: {booking_url}',
    updated_at = now()
WHERE code = 'payment.failed' AND channel = 'email' AND locale = 'ru' AND version = 1;

UPDATE message_templates
SET body = 'Оплата записи {service_title}, {start_local} не прошла, и время освободилось. Выбрать время снова: /book или {booking_url}',
    updated_at = now()
WHERE code = 'payment.failed' AND channel = 'telegram' AND locale = 'ru' AND version = 1;
