-- 0018 seed: the practice's topics
--
-- What: the eight topics content, interactives and questions are filed under.
-- Why:  topic codes are referenced by code and analytics; they must exist everywhere.
--       ON CONFLICT DO NOTHING keeps it safe on any database and never overwrites
--       titles an editor has changed.
-- rollback note: DELETE FROM topics WHERE code IN (...) -- only while unreferenced.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

INSERT INTO topics (code, title, description, sort_order) VALUES
    ('anxiety', 'Тревога', 'Тревожность, беспокойство, панические состояния.', 10),
    ('burnout', 'Выгорание', 'Эмоциональное и профессиональное выгорание, усталость.', 20),
    ('stress', 'Стресс', 'Острый и хронический стресс, способы восстановления.', 30),
    ('relationships', 'Отношения', 'Партнёрские, семейные и дружеские отношения.', 40),
    ('self_esteem', 'Самооценка', 'Отношение к себе, самокритика, уверенность.', 50),
    ('boundaries', 'Личные границы', 'Умение говорить «нет» и беречь свои ресурсы.', 60),
    ('emotions', 'Эмоции', 'Понимание и проживание чувств.', 70),
    ('sleep', 'Сон', 'Нарушения сна и вечерние ритуалы.', 80)
ON CONFLICT DO NOTHING;
