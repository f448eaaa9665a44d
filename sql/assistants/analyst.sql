-- The topic analyst's weekly counts: aggregates only, never a text, an identity or the
-- id of a person. Every count is suppressed below five by the use case before use.

-- name: questions_by_topic(date_from, date_to)
-- index: ugc_items_created_at_idx (0031)
SELECT i.topic_code AS topic, t.title AS topic_title, count(*) AS count
FROM ugc_items AS i
LEFT JOIN topics AS t ON t.code = i.topic_code
WHERE i.kind = 'question' AND i.created_at >= :date_from AND i.created_at < :date_to
GROUP BY i.topic_code, t.title
ORDER BY count(*) DESC, i.topic_code NULLS LAST;

-- name: moderation_flags(date_from, date_to)
-- Items (questions and reviews) received in the period, counted once per flag.
-- index: ugc_items_created_at_idx (0031); ugc_triggers_ugc_item_id_code_source_key
SELECT i.topic_code AS topic, t.title AS topic_title, g.code AS flag,
       count(DISTINCT i.id) AS count
FROM ugc_items AS i
JOIN ugc_triggers AS g ON g.ugc_item_id = i.id
LEFT JOIN topics AS t ON t.code = i.topic_code
WHERE i.created_at >= :date_from AND i.created_at < :date_to
GROUP BY i.topic_code, t.title, g.code
ORDER BY count(DISTINCT i.id) DESC, i.topic_code NULLS LAST, g.code;

-- name: completed_runs(date_from, date_to)
-- Completed self-checks started in the period with their sealed result (the adapter
-- decrypts each only to count it by band); result_level: legacy rows not yet sealed.
-- index: interactive_runs_definition_id_started_at_idx
SELECT r.id, d.slug AS self_check, d.topic_code AS topic, t.title AS topic_title,
       r.result_encrypted, r.result_level
FROM interactive_definitions AS d
JOIN interactive_runs AS r
  ON r.definition_id = d.id AND r.started_at >= :date_from AND r.started_at < :date_to
LEFT JOIN topics AS t ON t.code = d.topic_code
WHERE r.status = 'completed';

-- name: article_reads(date_from, date_to)
-- content.viewed events of articles (by the slug the site sends), per topic of the
-- article: an article of two topics counts in both.
-- index: analytics_events_event_name_occurred_at_idx
SELECT t.code AS topic, t.title AS topic_title, count(*) AS count
FROM analytics_events AS e
JOIN content_items AS c ON c.type = 'article' AND c.slug = e.props ->> 'slug'
JOIN content_item_topics AS ct ON ct.content_item_id = c.id
JOIN topics AS t ON t.id = ct.topic_id
WHERE e.event_name = 'content.viewed'
  AND e.occurred_at >= :date_from AND e.occurred_at < :date_to
GROUP BY t.code, t.title
ORDER BY count(*) DESC, t.code;
