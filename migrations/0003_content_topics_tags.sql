-- 0003 content: topics and tags
--
-- What: the two classifications of content. Topics are a fixed, seeded list (also
--       used by interactives, moderation and analytics); tags are free editorial labels.
-- Why:  content listing filters by topic and tag; topic codes are P0 and travel in
--       analytics and CRM first-touch data.
-- rollback note: DROP TABLE tags, topics; -- only before anything references them.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE topics (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code text NOT NULL,
    title text NOT NULL,
    description text,
    sort_order integer NOT NULL DEFAULT 0,
    CONSTRAINT topics_code_key UNIQUE (code),
    CONSTRAINT topics_code_check CHECK (code ~ '^[a-z][a-z0-9_]{1,63}$')
);

COMMENT ON TABLE topics IS 'P0. Themes of the practice (anxiety, burnout, ...); seeded, edited by editors.';
COMMENT ON COLUMN topics.code IS 'P0. Stable machine code, used in URLs, analytics and CRM.';

CREATE TABLE tags (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    title text NOT NULL,
    CONSTRAINT tags_slug_key UNIQUE (slug),
    CONSTRAINT tags_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100)
);

COMMENT ON TABLE tags IS 'P0. Free editorial labels on content.';
