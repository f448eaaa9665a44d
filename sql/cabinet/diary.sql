-- The client's private diary: one encrypted body (mood, text, tags) per entry.

-- name: list_entries(user_id, date_from, date_to)
SELECT id, entry_date, body_encrypted, created_at, updated_at, version
FROM diary_entries
WHERE user_id = :user_id AND entry_date BETWEEN :date_from AND :date_to
ORDER BY entry_date DESC, created_at DESC
LIMIT 1000;

-- name: get_entry(id, user_id)^
SELECT id, entry_date, body_encrypted, created_at, updated_at, version
FROM diary_entries
WHERE id = :id AND user_id = :user_id;

-- name: insert_entry(id, user_id, entry_date, body_encrypted, now)!
INSERT INTO diary_entries (id, user_id, entry_date, body_encrypted, created_at, updated_at)
VALUES (:id, :user_id, :entry_date, :body_encrypted, :now, :now);

-- name: update_entry(id, user_id, version, entry_date, body_encrypted, now)^
UPDATE diary_entries
SET entry_date = :entry_date, body_encrypted = :body_encrypted, updated_at = :now,
    version = version + 1
WHERE id = :id AND user_id = :user_id AND version = :version
RETURNING id;

-- name: delete_entry(id, user_id)!
DELETE FROM diary_entries WHERE id = :id AND user_id = :user_id;

-- name: export_entries(user_id)
SELECT id, entry_date, body_encrypted, created_at, updated_at
FROM diary_entries WHERE user_id = :user_id ORDER BY entry_date, created_at;

-- name: erase_entries(user_id)!
DELETE FROM diary_entries WHERE user_id = :user_id;
