-- Demo data for local runs (python -m app seed-demo). Every statement is idempotent:
-- rows are matched by their natural key (slug, code) or a fixed demo id.

-- name: add_service(id, slug, title, description_markdown, format, duration_minutes, price_amount, deposit_amount, buffer_after_minutes, min_notice_minutes)!
INSERT INTO services (id, slug, title, description_markdown, format, duration_minutes,
                      price_amount, deposit_amount, currency, buffer_before_minutes,
                      buffer_after_minutes, min_notice_minutes, horizon_days,
                      cancel_free_hours, cancel_partial_hours, cancel_partial_refund_percent,
                      reschedule_min_hours, status)
VALUES (:id, :slug, :title, :description_markdown, :format, :duration_minutes,
        :price_amount, :deposit_amount, 'RUB', 0,
        :buffer_after_minutes, :min_notice_minutes, 60,
        24, 6, 50,
        24, 'published')
ON CONFLICT (slug) DO NOTHING;

-- name: add_schedule_rule(id, weekday, start_time, end_time, timezone)!
INSERT INTO schedule_rules (id, weekday, start_time, end_time, timezone)
VALUES (:id, :weekday, :start_time, :end_time, :timezone)
ON CONFLICT (id) DO NOTHING;

-- name: add_tag(slug, title)!
INSERT INTO tags (slug, title) VALUES (:slug, :title)
ON CONFLICT (slug) DO NOTHING;

-- name: add_published_content(type, slug, title, summary, body_markdown)!
INSERT INTO content_items (type, slug, title, summary, body_markdown, status, published_at)
VALUES (:type, :slug, :title, :summary, :body_markdown, 'published', now())
ON CONFLICT (type, slug) DO NOTHING;

-- name: link_content_topics(type, slug, topic_codes)!
INSERT INTO content_item_topics (content_item_id, topic_id)
SELECT ci.id, t.id
FROM content_items ci
JOIN topics t ON t.code = ANY(:topic_codes)
WHERE ci.type = :type AND ci.slug = :slug
ON CONFLICT DO NOTHING;

-- name: link_content_tags(type, slug, tag_slugs)!
INSERT INTO content_item_tags (content_item_id, tag_id)
SELECT ci.id, t.id
FROM content_items ci
JOIN tags t ON t.slug = ANY(:tag_slugs)
WHERE ci.type = :type AND ci.slug = :slug
ON CONFLICT DO NOTHING;

-- name: add_glossary_term(slug, term, definition_markdown)!
INSERT INTO glossary_terms (slug, term, definition_markdown, status)
VALUES (:slug, :term, :definition_markdown, 'published')
ON CONFLICT (slug) DO NOTHING;

-- name: add_glossary_synonym(slug, synonym)!
INSERT INTO glossary_term_synonyms (term_id, synonym)
SELECT id, :synonym FROM glossary_terms WHERE slug = :slug
ON CONFLICT DO NOTHING;

-- name: add_interactive(id, slug, interactive_type, title, description, topic_code)!
INSERT INTO interactive_definitions (id, slug, interactive_type, title, description, topic_code)
VALUES (:id, :slug, :interactive_type, :title, :description, :topic_code)
ON CONFLICT (slug) DO NOTHING;

-- name: add_interactive_version(id, slug, version_no, config)!
INSERT INTO interactive_versions (id, definition_id, version_no, config)
SELECT :id, d.id, :version_no, :config FROM interactive_definitions d WHERE d.slug = :slug
ON CONFLICT DO NOTHING;

-- name: publish_interactive_version(slug, version_no)!
-- Publishes the demo's version unless the same or a later one is published already.
UPDATE interactive_definitions d
SET status = 'published', published_version_id = v.id, published_at = now(),
    updated_at = now(), version = d.version + 1
FROM interactive_versions v
WHERE d.slug = :slug AND v.definition_id = d.id AND v.version_no = :version_no
  AND NOT EXISTS (SELECT 1 FROM interactive_versions AS p
                  WHERE p.id = d.published_version_id AND p.version_no >= :version_no);
