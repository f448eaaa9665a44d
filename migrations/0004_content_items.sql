-- 0004 content: content items, their versions, topics and tags
--
-- What: the ContentItem aggregate: articles, notes, practices, FAQ, Q&A and pages with
--       a draft → review → published → archived workflow, an immutable version history,
--       and a generated Russian full-text vector with a GIN index.
-- Why:  the public site lists, searches and reads published content; editors need
--       history; slugs are unique within a type so URLs are stable.
-- rollback note: DROP TABLE content_item_tags, content_item_topics,
--       content_item_versions, content_items; -- loses all content.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE content_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type text NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    summary text,
    body_markdown text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft',
    seo_title text,
    seo_description text,
    author_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('russian'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('russian'::regconfig, coalesce(body_markdown, '')), 'C')
    ) STORED,
    CONSTRAINT content_items_type_slug_key UNIQUE (type, slug),
    CONSTRAINT content_items_type_check CHECK (type IN ('article', 'note', 'practice', 'faq', 'qa', 'page')),
    CONSTRAINT content_items_status_check CHECK (status IN ('draft', 'review', 'published', 'archived')),
    CONSTRAINT content_items_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT content_items_published_at_check CHECK (status <> 'published' OR published_at IS NOT NULL),
    CONSTRAINT content_items_version_check CHECK (version > 0)
);

CREATE INDEX content_items_type_status_published_at_idx
    ON content_items (type, status, published_at DESC);
CREATE INDEX content_items_status_published_at_idx
    ON content_items (status, published_at DESC);
CREATE INDEX content_items_search_vector_idx ON content_items USING gin (search_vector);
CREATE INDEX content_items_author_id_idx ON content_items (author_id);

COMMENT ON TABLE content_items IS 'P0. Authored public content. Only published rows are visible to the public API. Q&A items are anonymised by staff before publication.';
COMMENT ON COLUMN content_items.slug IS 'P0. URL name, unique within the type.';
COMMENT ON COLUMN content_items.search_vector IS 'P0. Generated: Russian full-text vector, title (A) > summary (B) > body (C).';
COMMENT ON COLUMN content_items.version IS 'P0. Optimistic-locking version; each saved edit also writes a content_item_versions row.';

CREATE TABLE content_item_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    content_item_id uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    version_no integer NOT NULL,
    title text NOT NULL,
    summary text,
    body_markdown text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE RESTRICT,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT content_item_versions_content_item_id_version_no_key UNIQUE (content_item_id, version_no),
    CONSTRAINT content_item_versions_version_no_check CHECK (version_no > 0)
);

CREATE INDEX content_item_versions_created_by_idx ON content_item_versions (created_by);

COMMENT ON TABLE content_item_versions IS 'P0. Editorial history: a snapshot of the text at each saved version.';

CREATE TABLE content_item_topics (
    content_item_id uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE RESTRICT,
    PRIMARY KEY (content_item_id, topic_id)
);

CREATE INDEX content_item_topics_topic_id_idx ON content_item_topics (topic_id);

COMMENT ON TABLE content_item_topics IS 'P0. Which topics a content item belongs to.';

CREATE TABLE content_item_tags (
    content_item_id uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE RESTRICT,
    PRIMARY KEY (content_item_id, tag_id)
);

CREATE INDEX content_item_tags_tag_id_idx ON content_item_tags (tag_id);

COMMENT ON TABLE content_item_tags IS 'P0. Which tags a content item carries.';
