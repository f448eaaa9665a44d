-- 0019 seed: default system settings
--
-- What: defaults for the settings staff may change at run time.
-- Why:  the code reads these keys and must find a value on a new database;
--       ON CONFLICT DO NOTHING never overwrites a value staff have changed.
-- rollback note: DELETE FROM system_settings WHERE key IN (...);

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO system_settings (key, value) VALUES
    ('practitioner.timezone', '"Europe/Moscow"'),
    ('booking.hold_minutes', '15'),
    ('booking.reminder_offsets_hours', '[24, 2]'),
    ('moderation.sla_hours', '24'),
    ('moderation.crisis_sla_hours', '2'),
    ('retention.analytics_days', '365'),
    ('retention.webhook_events_days', '90'),
    ('crisis.resources', $json${
        "text": "Если вам сейчас очень тяжело или есть мысли о том, чтобы причинить себе вред, пожалуйста, не оставайтесь с этим в одиночку. Обратитесь за срочной помощью — это бесплатно и анонимно.",
        "contacts": [
            {"title": "Единый номер экстренных служб", "phone": "112"},
            {"title": "Экстренная психологическая помощь МЧС России", "phone": "+7 495 989-50-50"},
            {"title": "Телефон доверия (бесплатно, круглосуточно)", "phone": "8 800 2000-122"}
        ]
    }$json$)
ON CONFLICT DO NOTHING;
