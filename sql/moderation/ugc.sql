-- Questions and reviews (text encrypted), their flags, moderation actions and answers.
-- An item names no author: a crisis flag beside an identity is a health fact about a
-- person, so who wrote what is kept in ugc_item_authors, the item id encrypted (0035).

-- name: insert_item(id, kind, topic_code, text_encrypted, sla_due_at, now)!
INSERT INTO ugc_items (id, kind, topic_code, text_encrypted, status, sla_due_at, created_at,
                       updated_at)
VALUES (:id, :kind, :topic_code, :text_encrypted, 'pending', :sla_due_at, :now, :now);

-- name: insert_author(id, user_id, item_encrypted)!
-- No timestamp: it would let a join by time link the author to the item.
INSERT INTO ugc_item_authors (id, user_id, item_encrypted)
VALUES (:id, :user_id, :item_encrypted);

-- name: insert_trigger(ugc_item_id, code, source, now)!
INSERT INTO ugc_triggers (ugc_item_id, code, source, created_at)
VALUES (:ugc_item_id, :code, :source, :now)
ON CONFLICT DO NOTHING;

-- name: queue(status, after_urgent, after_sla_due_at, after_id, limit)
-- Crisis and self-harm first, then by SLA: what must be seen soonest on top; a page
-- after the item (after_urgent, after_sla_due_at, after_id) when given. Each of the two
-- parts takes at most a page from ugc_items_status_sla_due_at_idx (in SLA order, stopping
-- at the page's end), so a long queue costs no more than a short one; only the page's
-- items are grouped with their triggers.
WITH page AS (
    (SELECT i.id, TRUE AS urgent
     FROM ugc_items AS i
     WHERE i.status = :status
       AND EXISTS (SELECT 1 FROM ugc_triggers AS t
                   WHERE t.ugc_item_id = i.id AND t.code IN ('crisis', 'self_harm'))
       AND (CAST(:after_urgent AS boolean) IS NULL
            OR (CAST(:after_urgent AS boolean)
                AND (i.sla_due_at, i.id) > (CAST(:after_sla_due_at AS timestamptz),
                                            CAST(:after_id AS uuid))))
     ORDER BY i.sla_due_at, i.id
     LIMIT :limit)
    UNION ALL
    (SELECT i.id, FALSE AS urgent
     FROM ugc_items AS i
     WHERE i.status = :status
       AND NOT EXISTS (SELECT 1 FROM ugc_triggers AS t
                       WHERE t.ugc_item_id = i.id AND t.code IN ('crisis', 'self_harm'))
       AND (CAST(:after_urgent AS boolean) IS NOT FALSE
            OR (i.sla_due_at, i.id) > (CAST(:after_sla_due_at AS timestamptz),
                                       CAST(:after_id AS uuid)))
     ORDER BY i.sla_due_at, i.id
     LIMIT :limit)
)
SELECT i.id, i.kind, i.status, i.topic_code, i.sla_due_at, i.created_at,
       coalesce(array_agg(t.code ORDER BY t.code) FILTER (WHERE t.code IS NOT NULL),
                '{}') AS triggers,
       p.urgent
FROM page AS p
JOIN ugc_items AS i ON i.id = p.id
LEFT JOIN ugc_triggers AS t ON t.ugc_item_id = i.id
GROUP BY i.id, p.urgent
ORDER BY p.urgent DESC, i.sla_due_at, i.id
LIMIT :limit;

-- name: queue_entry(id)^
-- One item as the queue shows it (no text).
SELECT i.id, i.kind, i.status, i.topic_code, i.sla_due_at, i.created_at,
       coalesce(array_agg(t.code ORDER BY t.code) FILTER (WHERE t.code IS NOT NULL),
                '{}') AS triggers,
       bool_or(t.code IN ('crisis', 'self_harm')) IS TRUE AS urgent
FROM ugc_items AS i
LEFT JOIN ugc_triggers AS t ON t.ugc_item_id = i.id
WHERE i.id = :id
GROUP BY i.id;

-- name: get_item(id)^
SELECT id, kind, topic_code, text_encrypted, status, sla_due_at, created_at, updated_at,
       version
FROM ugc_items WHERE id = :id;

-- name: lock_item(id)^
SELECT id, kind, status, version FROM ugc_items WHERE id = :id FOR UPDATE;

-- name: item_triggers(id)
SELECT code, source FROM ugc_triggers WHERE ugc_item_id = :id ORDER BY code;

-- name: item_actions(id)
SELECT actor_id, action, reason_code, created_at FROM moderation_actions
WHERE ugc_item_id = :id ORDER BY created_at, id;

-- name: item_answers(id)
SELECT id, author_id, body_encrypted, published_content_id, created_at FROM ugc_answers
WHERE ugc_item_id = :id ORDER BY created_at, id;

-- name: set_status(id, status, now)!
UPDATE ugc_items SET status = :status, updated_at = :now, version = version + 1
WHERE id = :id;

-- name: insert_action(ugc_item_id, actor_id, action, reason_code, now)!
INSERT INTO moderation_actions (ugc_item_id, actor_id, action, reason_code, created_at)
VALUES (:ugc_item_id, :actor_id, :action, :reason_code, :now);

-- name: insert_answer(id, ugc_item_id, author_id, body_encrypted, now)!
INSERT INTO ugc_answers (id, ugc_item_id, author_id, body_encrypted, created_at)
VALUES (:id, :ugc_item_id, :author_id, :body_encrypted, :now);

-- name: insert_qa_content(id, slug, title, body_markdown, author_id, now)!
-- A public answer is a new qa item written by staff, never the original text.
INSERT INTO content_items (id, type, slug, title, body_markdown, status, author_id,
                           published_at, created_at, updated_at)
VALUES (:id, 'qa', :slug, :title, :body_markdown, 'published', :author_id, :now, :now, :now);

-- name: link_published(ugc_item_id, content_id)!
UPDATE ugc_answers SET published_content_id = :content_id
WHERE id = (SELECT id FROM ugc_answers WHERE ugc_item_id = :ugc_item_id
            ORDER BY created_at DESC LIMIT 1);

-- name: authored_by(user_id)
-- The user's authorship rows; the item ids are encrypted.
SELECT id, item_encrypted FROM ugc_item_authors WHERE user_id = :user_id ORDER BY id;

-- name: legacy_items_of_author(user_id)
-- Items written before 0035 that still name their author in plaintext.
SELECT id FROM ugc_items WHERE author_user_id = :user_id;

-- name: erase_items(ids)!
DELETE FROM ugc_items WHERE id = ANY(:ids);

-- name: erase_authorships(user_id)!
DELETE FROM ugc_item_authors WHERE user_id = :user_id;

-- name: legacy_identified_items(limit)
-- Job: items written before 0035 that still name their author beside their flags.
SELECT id, author_user_id FROM ugc_items
WHERE author_user_id IS NOT NULL
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: forget_author(id)!
UPDATE ugc_items SET author_user_id = NULL, anonymous_id = NULL WHERE id = :id;

-- name: record_submitted(kind, now)!
-- The funnel's server-side "question submitted" (P0: the kind only). No visitor id: its
-- time is the item's, and the item carries the flags.
INSERT INTO analytics_events (event_name, occurred_at, props)
VALUES ('question.submitted', :now, jsonb_build_object('kind', :kind::text));
