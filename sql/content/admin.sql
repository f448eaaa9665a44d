-- Editorial work: every statement runs in a staff use case that is audited.

-- name: get_item(id)^
SELECT ci.id, ci.type, ci.slug, ci.title, ci.summary, ci.body_markdown, ci.status,
       ci.seo_title, ci.seo_description, ci.author_id, ci.published_at, ci.created_at,
       ci.updated_at, ci.version,
       coalesce((SELECT json_agg(t.code ORDER BY t.code)
                 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
                 WHERE cit.content_item_id = ci.id), '[]') AS topics,
       coalesce((SELECT json_agg(g.slug ORDER BY g.slug)
                 FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
                 WHERE cig.content_item_id = ci.id), '[]') AS tags,
       coalesce((SELECT json_agg(json_build_object('media_id', cm.media_asset_id,
                     'role', cm.role, 'sort_order', cm.sort_order)
                     ORDER BY cm.role, cm.sort_order)
                 FROM content_media cm WHERE cm.content_item_id = ci.id), '[]') AS media
FROM content_items ci
WHERE ci.id = :id;

-- name: list_items(status, type, after_created_at, after_id, limit)
SELECT ci.id, ci.type, ci.slug, ci.title, ci.status, ci.published_at, ci.created_at,
       ci.updated_at, ci.version
FROM content_items ci
WHERE (CAST(:status AS text) IS NULL OR ci.status = :status)
  AND (CAST(:type AS text) IS NULL OR ci.type = :type)
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (ci.created_at, ci.id) < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY ci.created_at DESC, ci.id DESC
LIMIT :limit;

-- name: insert_item(id, type, slug, title, summary, body_markdown, seo_title, seo_description, author_id, now)!
INSERT INTO content_items (id, type, slug, title, summary, body_markdown, status, seo_title,
                           seo_description, author_id, created_at, updated_at)
VALUES (:id, :type, :slug, :title, :summary, :body_markdown, 'draft', :seo_title,
        :seo_description, :author_id, :now, :now);

-- name: update_item(id, version, slug, title, summary, body_markdown, seo_title, seo_description, status, published_at, now)<!
-- Optimistic locking: no row comes back when someone else saved first.
UPDATE content_items
SET slug = :slug, title = :title, summary = :summary, body_markdown = :body_markdown,
    seo_title = :seo_title, seo_description = :seo_description, status = :status,
    published_at = :published_at, updated_at = :now, version = version + 1
WHERE id = :id AND version = :version
RETURNING version;

-- name: insert_version(id, content_item_id, version_no, title, summary, body_markdown, created_by, now, assisted_by)!
-- assisted_by: the assistant that wrote the text (0053), NULL for a person's text.
INSERT INTO content_item_versions (id, content_item_id, version_no, title, summary,
                                   body_markdown, created_by, created_at, assisted_by)
VALUES (:id, :content_item_id, :version_no, :title, :summary, :body_markdown, :created_by, :now,
        :assisted_by);

-- name: list_versions(content_item_id)
SELECT version_no, title, summary, body_markdown, created_by, created_at, assisted_by
FROM content_item_versions WHERE content_item_id = :content_item_id
ORDER BY version_no DESC;

-- name: delete_draft(id)!
DELETE FROM content_items WHERE id = :id AND status = 'draft' AND published_at IS NULL;

-- name: topic_ids(codes)
SELECT id, code FROM topics WHERE code = ANY(:codes);

-- name: tag_ids(slugs)
SELECT id, slug FROM tags WHERE slug = ANY(:slugs);

-- name: clear_topics(content_item_id)!
DELETE FROM content_item_topics WHERE content_item_id = :content_item_id;

-- name: add_topics(content_item_id, topic_ids)!
INSERT INTO content_item_topics (content_item_id, topic_id)
SELECT :content_item_id, unnest(CAST(:topic_ids AS uuid[]));

-- name: clear_tags(content_item_id)!
DELETE FROM content_item_tags WHERE content_item_id = :content_item_id;

-- name: add_tags(content_item_id, tag_ids)!
INSERT INTO content_item_tags (content_item_id, tag_id)
SELECT :content_item_id, unnest(CAST(:tag_ids AS uuid[]));

-- name: clear_media(content_item_id)!
DELETE FROM content_media WHERE content_item_id = :content_item_id;

-- name: add_media(content_item_id, media_asset_id, role, sort_order)!
INSERT INTO content_media (content_item_id, media_asset_id, role, sort_order)
VALUES (:content_item_id, :media_asset_id, :role, :sort_order);

-- name: insert_topic(id, code, title, description, sort_order)!
INSERT INTO topics (id, code, title, description, sort_order)
VALUES (:id, :code, :title, :description, :sort_order);

-- name: update_topic(code, title, description, sort_order)<!
UPDATE topics SET title = :title, description = :description, sort_order = :sort_order
WHERE code = :code RETURNING id;

-- name: insert_tag(id, slug, title)!
INSERT INTO tags (id, slug, title) VALUES (:id, :slug, :title);

-- name: delete_tag(slug)!
DELETE FROM tags WHERE slug = :slug;

-- name: insert_media(id, kind, storage_key, url, mime_type, size_bytes, width, height, alt_text, now)!
INSERT INTO media_assets (id, kind, storage_key, url, mime_type, size_bytes, width, height,
                          alt_text, created_at)
VALUES (:id, :kind, :storage_key, :url, :mime_type, :size_bytes, :width, :height, :alt_text, :now);

-- name: list_media(after_created_at, after_id, limit)
-- Newest first, a page after (after_created_at, after_id) when given.
SELECT id, kind, storage_key, url, mime_type, size_bytes, width, height, alt_text, created_at
FROM media_assets
WHERE CAST(:after_created_at AS timestamptz) IS NULL
   OR (created_at, id) < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid))
ORDER BY created_at DESC, id DESC LIMIT :limit;

-- name: upsert_collection(id, slug, title, description, status, now)!
INSERT INTO curated_collections (id, slug, title, description, status, created_at, updated_at)
VALUES (:id, :slug, :title, :description, :status, :now, :now)
ON CONFLICT (slug) DO UPDATE
SET title = excluded.title, description = excluded.description, status = excluded.status,
    updated_at = excluded.updated_at;

-- name: collection_id(slug)^
SELECT id FROM curated_collections WHERE slug = :slug;

-- name: clear_collection(collection_id)!
DELETE FROM curated_items WHERE collection_id = :collection_id;

-- name: add_collection_item(collection_id, content_item_id, sort_order)!
INSERT INTO curated_items (collection_id, content_item_id, sort_order)
VALUES (:collection_id, :content_item_id, :sort_order);

-- name: upsert_glossary_term(id, slug, term, definition_markdown, status, now)^
INSERT INTO glossary_terms (id, slug, term, definition_markdown, status, created_at, updated_at)
VALUES (:id, :slug, :term, :definition_markdown, :status, :now, :now)
ON CONFLICT (slug) DO UPDATE
SET term = excluded.term, definition_markdown = excluded.definition_markdown,
    status = excluded.status, updated_at = excluded.updated_at
RETURNING id;

-- name: clear_synonyms(term_id)!
DELETE FROM glossary_term_synonyms WHERE term_id = :term_id;

-- name: add_synonym(term_id, synonym)!
INSERT INTO glossary_term_synonyms (term_id, synonym) VALUES (:term_id, :synonym);

-- name: editor_glossary_terms()
-- Every term in any status (the editors' list).
SELECT g.slug, g.term, g.definition_markdown, g.status,
       coalesce((SELECT json_agg(s.synonym ORDER BY s.synonym)
                 FROM glossary_term_synonyms s WHERE s.term_id = g.id), '[]') AS synonyms
FROM glossary_terms g
ORDER BY lower(g.term), g.slug
LIMIT 500;

-- name: editor_collections()
-- Every collection in any status, its items' ids in their order (the editors' list).
SELECT c.slug, c.title, c.description, c.status,
       coalesce((SELECT json_agg(i.content_item_id ORDER BY i.sort_order)
                 FROM curated_items i WHERE i.collection_id = c.id), '[]') AS item_ids
FROM curated_collections c
ORDER BY lower(c.title), c.slug
LIMIT 500;
