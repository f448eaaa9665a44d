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

-- name: mark_waitlist_offered(id, offer_start_at, blocked_start, blocked_end, offer_expires_at, offer_token_hash, now)!
-- The offer keeps the freed slot (with its buffers) for this request until it lapses.
UPDATE waitlist_requests
SET status = 'offered', offered_at = :now, updated_at = :now, offer_start_at = :offer_start_at,
    offer_blocked_period = tstzrange(:blocked_start, :blocked_end, '[)'),
    offer_expires_at = :offer_expires_at, offer_token_hash = :offer_token_hash
WHERE id = :id AND status = 'active';

-- name: standing_offers(start_at, end_at, now)
-- Slots kept for the person offered them: busy for everybody else until the offer lapses.
SELECT id, service_id, user_id, lead_id, offer_token_hash, offer_start_at,
       lower(offer_blocked_period) AS blocked_start, upper(offer_blocked_period) AS blocked_end
FROM waitlist_requests
WHERE status = 'offered' AND offer_expires_at > :now
  AND offer_blocked_period && tstzrange(:start_at, :end_at);

-- name: waitlist_of_user(user_id)
-- A client's own requests, newest first, with the offer that stands, if any.
SELECT w.id, s.slug AS service_slug, s.title AS service_title, w.status, w.preferences,
       w.created_at, w.offer_start_at, w.offer_expires_at
FROM waitlist_requests AS w JOIN services AS s ON s.id = w.service_id
WHERE w.user_id = :user_id
ORDER BY w.created_at DESC, w.id;

-- name: leave_waitlist(id, user_id, now)^
-- Leaving (or declining an offer) frees the offered slot at once; the slot an offer
-- still kept comes back so it can go to the next in line.
WITH old AS (
    SELECT id, service_id, status, offer_start_at, offer_blocked_period, offer_expires_at
    FROM waitlist_requests
    WHERE id = :id AND user_id = :user_id AND status IN ('active', 'offered')
    FOR UPDATE
)
UPDATE waitlist_requests AS w
SET status = 'canceled', updated_at = :now, offer_blocked_period = NULL, offer_expires_at = NULL
FROM old
WHERE w.id = old.id
RETURNING old.id, old.service_id,
          old.status = 'offered' AND old.offer_blocked_period IS NOT NULL
              AND old.offer_expires_at > :now AS released,
          old.offer_start_at, lower(old.offer_blocked_period) AS blocked_start,
          upper(old.offer_blocked_period) AS blocked_end;

-- name: offer_by_token(offer_token_hash, now)^
-- The standing offer a link's token names (a guest takes the offer with it).
SELECT w.id, s.slug AS service_slug, s.title AS service_title, w.offer_start_at,
       w.offer_expires_at
FROM waitlist_requests AS w JOIN services AS s ON s.id = w.service_id
WHERE w.offer_token_hash = :offer_token_hash AND w.status = 'offered'
  AND w.offer_expires_at > :now;

-- name: fulfil_waitlist(service_id, user_id, lead_id, offer_id, now)!
-- The booker's requests for the service (and the offer they took with its token).
UPDATE waitlist_requests SET status = 'fulfilled', updated_at = :now
WHERE service_id = :service_id AND status IN ('active', 'offered')
  AND ((CAST(:user_id AS uuid) IS NOT NULL AND user_id = :user_id)
       OR (CAST(:lead_id AS uuid) IS NOT NULL AND lead_id = :lead_id)
       OR (CAST(:offer_id AS uuid) IS NOT NULL AND id = :offer_id));

-- name: expire_waitlist_offers(before, now)
-- Offers made before 0044 carry no end of their own: they lapse a lifetime after. The
-- slots the others kept come back, to go to the next in line.
UPDATE waitlist_requests SET status = 'expired', updated_at = :now
WHERE status = 'offered'
  AND (offer_expires_at <= :now OR (offer_expires_at IS NULL AND offered_at < :before))
RETURNING service_id, offer_start_at, lower(offer_blocked_period) AS blocked_start,
          upper(offer_blocked_period) AS blocked_end;
