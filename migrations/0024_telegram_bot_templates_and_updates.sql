-- 0024 telegram: the bot's message templates; Telegram updates in the webhook record
--
-- What: the Russian texts the bot answers with (welcome, plan, booking prompt, account
--       linked, consent prompt and thanks, stopped, help, crisis), and 'telegram' as a
--       provider in provider_webhook_events, so a redelivered update is handled once.
-- Why:  staff edit the bot's wording without a deploy; Telegram retries webhooks.
-- rollback note: DELETE FROM message_templates WHERE code LIKE 'bot.%'; restore the
--       previous provider check (only after deleting the telegram rows).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The replacement check below, in the same transaction, widens the old list: no
-- guarantee is lost.
-- squawk-ignore ban-drop-constraint
ALTER TABLE provider_webhook_events DROP CONSTRAINT provider_webhook_events_provider_check;
ALTER TABLE provider_webhook_events ADD CONSTRAINT provider_webhook_events_provider_check
    CHECK (provider IN ('yookassa', 'telegram')) NOT VALID;

INSERT INTO message_templates (code, channel, locale, subject, body) VALUES
    ('bot.welcome', 'telegram', 'ru', NULL, E'Здравствуйте! Это бот практики «Эмоциональный баланс».\nЗдесь можно записаться на консультацию (/book), посмотреть свои записи (/my) и получать напоминания.'),
    ('bot.plan', 'telegram', 'ru', NULL, E'Спасибо, что прошли самопроверку. Ваш план и материалы — здесь: {link}\nЕсли захотите обсудить результат со специалистом, нажмите /book.'),
    ('bot.booking_prompt', 'telegram', 'ru', NULL, 'Чтобы выбрать время консультации, нажмите /book.'),
    ('bot.linked', 'telegram', 'ru', NULL, 'Готово: Telegram связан с вашим аккаунтом. Подтверждения и напоминания будут приходить сюда.'),
    ('bot.consent_prompt', 'telegram', 'ru', NULL, 'Можно присылать вам сюда подтверждения записей и напоминания? Отписаться можно в любой момент командой /stop.'),
    ('bot.consent_thanks', 'telegram', 'ru', NULL, 'Спасибо! Будем присылать только важное о ваших записях.'),
    ('bot.stopped', 'telegram', 'ru', NULL, 'Хорошо, больше не будем присылать сообщения. Чтобы вернуться, нажмите /start.'),
    ('bot.help', 'telegram', 'ru', NULL, E'/book — записаться на консультацию\n/my — мои записи\n/stop — не присылать сообщения\n/help — эта подсказка'),
    ('bot.crisis', 'telegram', 'ru', NULL, E'{crisis_text}\n{crisis_contacts}')
ON CONFLICT DO NOTHING;
