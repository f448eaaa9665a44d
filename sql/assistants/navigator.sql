-- The navigator's read-only view of the published catalogue.

-- name: article(slug)^
SELECT ci.slug, ci.title,
       coalesce((SELECT json_agg(t.code ORDER BY t.sort_order, t.code)
                 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
                 WHERE cit.content_item_id = ci.id), '[]') AS topics
FROM content_items ci
WHERE ci.type = 'article' AND ci.slug = :slug AND ci.status = 'published';

-- name: articles_of_topic(topic, exclude, limit)
SELECT ci.slug, ci.title
FROM content_items ci
WHERE ci.type = 'article' AND ci.status = 'published'
  AND ci.slug IS DISTINCT FROM CAST(:exclude AS text)
  AND EXISTS (SELECT 1 FROM content_item_topics cit JOIN topics t ON t.id = cit.topic_id
              WHERE cit.content_item_id = ci.id AND t.code = :topic)
ORDER BY ci.published_at DESC, ci.id DESC
LIMIT :limit;

-- name: self_check(slug)^
SELECT d.slug, d.title, d.topic_code,
       coalesce(v.config -> 'recommendations', '{}') AS recommendations
FROM interactive_definitions AS d
JOIN interactive_versions AS v ON v.id = d.published_version_id
WHERE d.slug = :slug AND d.status = 'published';

-- name: self_checks_of_topic(topic, limit)
-- The topic's self-checks first, then the others.
SELECT d.slug, d.title, d.topic_code
FROM interactive_definitions AS d
WHERE d.status = 'published'
ORDER BY (d.topic_code IS NOT DISTINCT FROM CAST(:topic AS text)) DESC, d.published_at DESC, d.slug
LIMIT :limit;

-- name: services(preferred, limit)
SELECT s.slug, s.title
FROM services AS s
WHERE s.status = 'published'
ORDER BY coalesce(array_position(CAST(:preferred AS text[]), s.slug::text), 2147483647), s.title, s.slug
LIMIT :limit;

-- name: topic_exists(code)^
SELECT EXISTS (SELECT 1 FROM topics WHERE code = :code) AS found;

