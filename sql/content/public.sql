-- Public reading: published content only.

-- name: list_published(type, topic, tag, after_published_at, after_id, limit)
-- Newest first with a keyset cursor: items published while a reader pages appear
-- before the cursor, so every item is returned exactly once. A list reads summaries,
-- never bodies; topics and tags come as text arrays (decoded by psycopg's C loader,
-- not parsed as JSON), computed only for the rows the LIMIT keeps.
SELECT ci.id, ci.type, ci.slug, ci.title, ci.summary, ci.published_at, ci.version,
       CAST(NULL AS float8) AS rank,
       ARRAY(SELECT t.code FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
             WHERE cit.content_item_id = ci.id ORDER BY t.sort_order, t.code) AS topics,
       ARRAY(SELECT g.slug FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
             WHERE cig.content_item_id = ci.id ORDER BY g.slug) AS tags
FROM content_items ci
WHERE ci.status = 'published'
  AND (CAST(:type AS text) IS NULL OR ci.type = :type)
  AND (CAST(:topic AS text) IS NULL OR EXISTS (
        SELECT 1 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
        WHERE cit.content_item_id = ci.id AND t.code = :topic))
  AND (CAST(:tag AS text) IS NULL OR EXISTS (
        SELECT 1 FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
        WHERE cig.content_item_id = ci.id AND g.slug = :tag))
  AND (CAST(:after_published_at AS timestamptz) IS NULL
       OR (ci.published_at, ci.id) < (CAST(:after_published_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY ci.published_at DESC, ci.id DESC
LIMIT :limit;

-- name: list_published_in_topic(type, topic, tag, after_published_at, after_id, limit)
-- The same list within one topic. The topic is a plain semi-join here, not an
-- "IS NULL OR EXISTS" filter (which PostgreSQL can only run as a filter over every
-- published item: it hashed all of a topic's items per request, 50,000 at 200,000
-- articles). As a semi-join it walks the newest published items and probes each one's
-- (content_item_id, topic_id) key until the page is full: the cost follows the topic's
-- share of the items, not their number (a topic with very few items still walks far;
-- measured in docs/performance.md, "Cost as the data grows").
SELECT ci.id, ci.type, ci.slug, ci.title, ci.summary, ci.published_at, ci.version,
       CAST(NULL AS float8) AS rank,
       ARRAY(SELECT t.code FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
             WHERE cit.content_item_id = ci.id ORDER BY t.sort_order, t.code) AS topics,
       ARRAY(SELECT g.slug FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
             WHERE cig.content_item_id = ci.id ORDER BY g.slug) AS tags
FROM content_items ci
WHERE ci.status = 'published'
  AND (CAST(:type AS text) IS NULL OR ci.type = :type)
  AND ci.id IN (SELECT cit.content_item_id FROM content_item_topics cit
                WHERE cit.topic_id = (SELECT t.id FROM topics t WHERE t.code = :topic))
  -- an unknown topic answers at once (a one-time check) instead of walking every item
  AND EXISTS (SELECT 1 FROM topics t0 WHERE t0.code = :topic)
  AND (CAST(:tag AS text) IS NULL OR EXISTS (
        SELECT 1 FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
        WHERE cig.content_item_id = ci.id AND g.slug = :tag))
  AND (CAST(:after_published_at AS timestamptz) IS NULL
       OR (ci.published_at, ci.id) < (CAST(:after_published_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY ci.published_at DESC, ci.id DESC
LIMIT :limit;

-- name: search_published(q, type, topic, tag, after_rank, after_id, limit)
-- Russian full-text search: word forms match through the stemmer; title matches
-- (weight A) rank above summary (B) and body (C). A query of only stop words or
-- punctuation becomes an empty tsquery, which matches nothing.
WITH query AS (SELECT websearch_to_tsquery('russian', :q) AS tsq),
ranked AS (
    SELECT ci.id, ci.type, ci.slug, ci.title, ci.summary, ci.published_at, ci.version,
           CAST(ts_rank_cd(ci.search_vector, query.tsq) AS float8) AS rank
    FROM content_items ci, query
    WHERE ci.status = 'published' AND ci.search_vector @@ query.tsq
      AND (CAST(:type AS text) IS NULL OR ci.type = :type)
      AND (CAST(:topic AS text) IS NULL OR EXISTS (
            SELECT 1 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
            WHERE cit.content_item_id = ci.id AND t.code = :topic))
      AND (CAST(:tag AS text) IS NULL OR EXISTS (
            SELECT 1 FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
            WHERE cig.content_item_id = ci.id AND g.slug = :tag))
)
SELECT r.*,
       ARRAY(SELECT t.code FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
             WHERE cit.content_item_id = r.id ORDER BY t.sort_order, t.code) AS topics,
       ARRAY(SELECT g.slug FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
             WHERE cig.content_item_id = r.id ORDER BY g.slug) AS tags
FROM ranked r
WHERE CAST(:after_rank AS float8) IS NULL
   OR (r.rank, r.id) < (CAST(:after_rank AS float8), CAST(:after_id AS uuid))
ORDER BY r.rank DESC, r.id DESC
LIMIT :limit;

-- name: get_published(type, slug)^
SELECT ci.id, ci.type, ci.slug, ci.title, ci.summary, ci.body_markdown, ci.seo_title,
       ci.seo_description, ci.published_at, ci.updated_at, ci.version,
       coalesce((SELECT json_agg(json_build_object('code', t.code, 'title', t.title,
                                                   'description', t.description)
                                 ORDER BY t.sort_order, t.code)
                 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
                 WHERE cit.content_item_id = ci.id), '[]') AS topics,
       coalesce((SELECT json_agg(json_build_object('slug', g.slug, 'title', g.title)
                                 ORDER BY g.slug)
                 FROM content_item_tags cig JOIN tags g ON g.id = cig.tag_id
                 WHERE cig.content_item_id = ci.id), '[]') AS tags,
       coalesce((SELECT json_agg(json_build_object(
                     'id', m.id, 'role', cm.role, 'kind', m.kind, 'url', m.url,
                     'mime_type', m.mime_type, 'width', m.width, 'height', m.height,
                     'alt_text', m.alt_text) ORDER BY cm.role, cm.sort_order, m.id)
                 FROM content_media cm JOIN media_assets m ON m.id = cm.media_asset_id
                 WHERE cm.content_item_id = ci.id), '[]') AS media
FROM content_items ci
WHERE ci.type = :type AND ci.slug = :slug AND ci.status = 'published';

-- name: list_topics()
SELECT code, title, description FROM topics ORDER BY sort_order, code;

-- name: list_tags()
SELECT slug, title FROM tags ORDER BY title, slug;

-- name: list_glossary(q)
SELECT g.slug, g.term, g.definition_markdown,
       coalesce((SELECT json_agg(s.synonym ORDER BY s.synonym)
                 FROM glossary_term_synonyms s WHERE s.term_id = g.id), '[]') AS synonyms
FROM glossary_terms g
WHERE g.status = 'published'
  AND (CAST(:q AS text) IS NULL
       OR position(lower(:q) IN lower(g.term)) > 0
       OR EXISTS (SELECT 1 FROM glossary_term_synonyms s
                  WHERE s.term_id = g.id AND position(lower(:q) IN lower(s.synonym)) > 0))
ORDER BY lower(g.term)
LIMIT 200;

-- name: get_glossary_term(key)^
-- By slug, by the term itself, or by any of its synonyms.
SELECT g.slug, g.term, g.definition_markdown,
       coalesce((SELECT json_agg(s.synonym ORDER BY s.synonym)
                 FROM glossary_term_synonyms s WHERE s.term_id = g.id), '[]') AS synonyms
FROM glossary_terms g
WHERE g.status = 'published'
  AND (g.slug = :key OR lower(g.term) = lower(:key)
       OR EXISTS (SELECT 1 FROM glossary_term_synonyms s
                  WHERE s.term_id = g.id AND lower(s.synonym) = lower(:key)))
LIMIT 1;

-- name: get_published_collection(slug)^
SELECT c.slug, c.title, c.description,
       coalesce((SELECT json_agg(json_build_object(
                     'type', ci.type, 'slug', ci.slug, 'title', ci.title,
                     'summary', ci.summary, 'published_at', ci.published_at)
                     ORDER BY i.sort_order, ci.published_at DESC)
                 FROM curated_items i JOIN content_items ci ON ci.id = i.content_item_id
                 WHERE i.collection_id = c.id AND ci.status = 'published'), '[]') AS items
FROM curated_collections c
WHERE c.slug = :slug AND c.status = 'published';
