-- The waitlist: first come, first offered.

-- name: insert_waitlist(id, service_id, user_id, lead_id, contact_identity_id, preferences, now)!
INSERT INTO waitlist_requests (id, service_id, user_id, lead_id, contact_identity_id, preferences,
                               status, created_at, updated_at)
VALUES (:id, :service_id, :user_id, :lead_id, :contact_identity_id, :preferences, 'active', :now,
        :now);

-- name: first_matching_waitlist(service_id, weekday, part_of_day)^
-- The oldest active request whose preferences admit the freed time.
SELECT id, user_id, lead_id, contact_identity_id FROM waitlist_requests
WHERE service_id = :service_id AND status = 'active'
  AND (NOT preferences ? 'days' OR preferences -> 'days' @> to_jsonb(CAST(:weekday AS integer)))
  AND (NOT preferences ? 'parts_of_day' OR preferences -> 'parts_of_day' ? :part_of_day)
ORDER BY created_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: mark_waitlist_offered(id, now)!
UPDATE waitlist_requests SET status = 'offered', offered_at = :now, updated_at = :now
WHERE id = :id AND status = 'active';

-- name: fulfil_waitlist(service_id, user_id, lead_id, now)!
UPDATE waitlist_requests SET status = 'fulfilled', updated_at = :now
WHERE service_id = :service_id AND status IN ('active', 'offered')
  AND ((CAST(:user_id AS uuid) IS NOT NULL AND user_id = :user_id)
       OR (CAST(:lead_id AS uuid) IS NOT NULL AND lead_id = :lead_id));

-- name: expire_waitlist_offers(before, now)!
UPDATE waitlist_requests SET status = 'expired', updated_at = :now
WHERE status = 'offered' AND offered_at < :before;
