-- name: claim_thread(thread_id, user_id, assistant, now)^
-- A new thread is the user's; an existing one is touched only when it is already the
-- same user's (and the same assistant's): no row back means someone else owns it.
-- An erased (deleted) account claims nothing: a request already under way when the
-- erasure ran cannot bring its conversation back.
INSERT INTO assistant_threads (thread_id, user_id, assistant, created_at, updated_at)
SELECT :thread_id, :user_id, :assistant, :now, :now
WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = :user_id AND u.status <> 'deleted')
ON CONFLICT (thread_id) DO UPDATE SET updated_at = greatest(assistant_threads.updated_at, EXCLUDED.updated_at)
WHERE assistant_threads.user_id = EXCLUDED.user_id
  AND assistant_threads.assistant = EXCLUDED.assistant
RETURNING user_id;

-- name: thread_owner(thread_id)^
SELECT user_id FROM assistant_threads WHERE thread_id = :thread_id;

-- name: export_threads(user_id)
SELECT thread_id, assistant, created_at, updated_at
FROM assistant_threads WHERE user_id = :user_id ORDER BY created_at, thread_id;

-- name: erase_user_checkpoints(user_id)!
DELETE FROM checkpoints
WHERE thread_id IN (SELECT thread_id FROM assistant_threads WHERE user_id = :user_id);

-- name: erase_user_checkpoint_blobs(user_id)!
DELETE FROM checkpoint_blobs
WHERE thread_id IN (SELECT thread_id FROM assistant_threads WHERE user_id = :user_id);

-- name: erase_user_checkpoint_writes(user_id)!
DELETE FROM checkpoint_writes
WHERE thread_id IN (SELECT thread_id FROM assistant_threads WHERE user_id = :user_id);

-- name: erase_user_threads(user_id)!
DELETE FROM assistant_threads WHERE user_id = :user_id;

-- name: stale_threads(before, limit)
-- Threads idle since before ``before``, oldest first, locked for this run only.
SELECT thread_id FROM assistant_threads
WHERE updated_at < :before
ORDER BY updated_at
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: delete_thread_checkpoints(thread_ids)!
DELETE FROM checkpoints WHERE thread_id = ANY(:thread_ids);

-- name: delete_thread_checkpoint_blobs(thread_ids)!
DELETE FROM checkpoint_blobs WHERE thread_id = ANY(:thread_ids);

-- name: delete_thread_checkpoint_writes(thread_ids)!
DELETE FROM checkpoint_writes WHERE thread_id = ANY(:thread_ids);

-- name: delete_threads(thread_ids)!
DELETE FROM assistant_threads WHERE thread_id = ANY(:thread_ids);

-- name: stale_orphan_threads(before, limit)
-- Checkpoints of conversations no account claimed (a guest's), idle since ``before``
-- by their latest checkpoint's own time.
-- Also blobs and writes left without any checkpoint or owner (a run cut short after its
-- writes, or by an erasure in the middle of it): nothing could ever read them.
SELECT c.thread_id FROM checkpoints c
WHERE NOT EXISTS (SELECT 1 FROM assistant_threads t WHERE t.thread_id = c.thread_id)
GROUP BY c.thread_id
HAVING max((c.checkpoint ->> 'ts')::timestamptz) < :before
UNION
SELECT f.thread_id
FROM (SELECT thread_id FROM checkpoint_blobs UNION SELECT thread_id FROM checkpoint_writes) f
WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id = f.thread_id)
  AND NOT EXISTS (SELECT 1 FROM assistant_threads t WHERE t.thread_id = f.thread_id)
LIMIT :limit;
