-- 0054 assistants: the booking concierge's texts in the bot and its crisis staff alert
--
-- What: Russian templates bot.concierge_intro, bot.concierge_choose_day,
--       bot.concierge_choose_time, bot.concierge_confirm, bot.concierge_declined,
--       bot.concierge_guided (channel telegram) and staff.crisis_assistant (e-mail and
--       Telegram); /pick added to bot.help where staff have not reworded it.
-- Why:  staff edit the bot's wording without a deploy (as for /book); crisis words
--       written to the concierge alert staff like a crisis-flagged question, naming
--       nobody.
-- rollback note: DELETE FROM message_templates WHERE code LIKE 'bot.concierge_%'
--       OR code = 'staff.crisis_assistant'; bot.help keeps its /pick line (harmless).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('bot.concierge_intro', 'telegram', 'ru', NULL, E'Подберём время консультации. Выберите консультацию кнопкой — или ответьте на это сообщение своими словами, например: «хочу онлайн в четверг вечером».'),
    ('bot.concierge_choose_day', 'telegram', 'ru', NULL, 'Дни со свободным временем ({timezone}):'),
    ('bot.concierge_choose_time', 'telegram', 'ru', NULL, 'Свободное время {day} ({timezone}):'),
    ('bot.concierge_confirm', 'telegram', 'ru', NULL, E'{service_title}, {start_local}.\nСтоимость {price}, оплатить при записи {pay_now}. Придержать это время? Оплата — по ссылке после подтверждения.'),
    ('bot.concierge_declined', 'telegram', 'ru', NULL, 'Хорошо, это время не придерживаем. Выберите другое или напишите, что вам удобно.'),
    ('bot.concierge_guided', 'telegram', 'ru', NULL, 'Сейчас работает пошаговый подбор: выберите консультацию, день и время кнопками.'),
    ('staff.crisis_assistant', 'email', 'ru', 'Срочно: кризисное сообщение в подборе времени', E'Клиент написал помощнику по записи сообщение с кризисным признаком ({time_local}). Ему показаны кризисные контакты; сообщение не сохранено.\n\nПроверить кризисные контакты: {link}'),
    ('staff.crisis_assistant', 'telegram', 'ru', NULL, 'Срочно: кризисное сообщение помощнику по записи ({time_local}). Кризисные контакты: {link}')
ON CONFLICT DO NOTHING;

-- /pick in the command list, unless staff have already reworded the help.
UPDATE message_templates
SET body = E'/book — записаться на консультацию\n/pick — подобрать время (можно своими словами)\n/my — мои записи\n/stop — не присылать сообщения\n/help — эта подсказка'
WHERE code = 'bot.help' AND channel = 'telegram' AND locale = 'ru' AND updated_by IS NULL
  AND body = E'/book — записаться на консультацию\n/my — мои записи\n/stop — не присылать сообщения\n/help — эта подсказка';
