-- 0026 telegram: the bot's texts for /my and cancelling from Telegram
--
-- What: Russian templates bot.link_first, bot.my_empty, bot.my_item, bot.canceled,
--       bot.appointment_changed (channel telegram).
-- Why:  staff edit the bot's wording without a deploy.
-- rollback note: DELETE FROM message_templates WHERE code IN (...the five codes...).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('bot.link_first', 'telegram', 'ru', NULL, 'Чтобы видеть свои записи здесь, свяжите Telegram с аккаунтом в личном кабинете на сайте: {link}'),
    ('bot.my_empty', 'telegram', 'ru', NULL, 'Предстоящих записей нет. Записаться: /book'),
    ('bot.my_item', 'telegram', 'ru', NULL, E'{service_title}\n{start_local} ({status})\nПеренести запись можно на сайте: {manage_url}'),
    ('bot.canceled', 'telegram', 'ru', NULL, 'Запись отменена. {refund_text}'),
    ('bot.appointment_changed', 'telegram', 'ru', NULL, 'Эта запись уже изменилась. Нажмите /my, чтобы увидеть актуальные.')
ON CONFLICT DO NOTHING;
