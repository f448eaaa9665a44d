-- 0027 telegram: the bot's texts for booking with /book
--
-- What: Russian templates bot.book_choose_service, bot.book_choose_slot, bot.book_no_slots,
--       bot.book_held, bot.book_taken (channel telegram).
-- Why:  staff edit the bot's wording without a deploy.
-- rollback note: DELETE FROM message_templates WHERE code LIKE 'bot.book_%'.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('bot.book_choose_service', 'telegram', 'ru', NULL, 'Выберите консультацию:'),
    ('bot.book_choose_slot', 'telegram', 'ru', NULL, 'Ближайшее свободное время (по московскому времени):'),
    ('bot.book_no_slots', 'telegram', 'ru', NULL, 'В ближайшие две недели свободного времени нет. Можно встать в лист ожидания на сайте: {link}'),
    ('bot.book_held', 'telegram', 'ru', NULL, E'Время придержано: {service_title}, {start_local}.\nОплатите до {hold_expires_local}, чтобы подтвердить запись: {payment_url}'),
    ('bot.book_taken', 'telegram', 'ru', NULL, 'Это время уже заняли. Нажмите /book, чтобы выбрать другое.')
ON CONFLICT DO NOTHING;
