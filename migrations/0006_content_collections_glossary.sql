-- 0006 content: curated collections and the glossary
--
-- What: hand-picked ordered collections of content, and glossary terms with synonyms.
-- Why:  the site shows curated reading lists; the glossary explains terms and finds a
--       term by any of its synonyms (unique case-insensitively across the glossary).
-- rollback note: DROP TABLE glossary_term_synonyms, glossary_terms, curated_items,
--       curated_collections;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE curated_collections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    title text NOT NULL,
    description text,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT curated_collections_slug_key UNIQUE (slug),
    CONSTRAINT curated_collections_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT curated_collections_status_check CHECK (status IN ('draft', 'published', 'archived'))
);

COMMENT ON TABLE curated_collections IS 'P0. Hand-picked, ordered lists of content.';

CREATE TABLE curated_items (
    collection_id uuid NOT NULL REFERENCES curated_collections (id) ON DELETE CASCADE,
    content_item_id uuid NOT NULL REFERENCES content_items (id) ON DELETE RESTRICT,
    sort_order integer NOT NULL DEFAULT 0,
    PRIMARY KEY (collection_id, content_item_id)
);

CREATE INDEX curated_items_content_item_id_idx ON curated_items (content_item_id);

COMMENT ON TABLE curated_items IS 'P0. Members of a collection in their order.';

CREATE TABLE glossary_terms (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    term text NOT NULL,
    definition_markdown text NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT glossary_terms_slug_key UNIQUE (slug),
    CONSTRAINT glossary_terms_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT glossary_terms_status_check CHECK (status IN ('draft', 'published', 'archived'))
);

CREATE UNIQUE INDEX glossary_terms_term_key ON glossary_terms (lower(term));

COMMENT ON TABLE glossary_terms IS 'P0. Glossary of psychological terms.';

CREATE TABLE glossary_term_synonyms (
    term_id uuid NOT NULL REFERENCES glossary_terms (id) ON DELETE CASCADE,
    synonym text NOT NULL,
    PRIMARY KEY (term_id, synonym),
    CONSTRAINT glossary_term_synonyms_synonym_check CHECK (synonym = btrim(synonym) AND synonym <> '')
);

CREATE UNIQUE INDEX glossary_term_synonyms_synonym_key ON glossary_term_synonyms (lower(synonym));

COMMENT ON TABLE glossary_term_synonyms IS 'P0. Other names of a term; a synonym leads to exactly one term.';
