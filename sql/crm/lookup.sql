-- Staff look a person up by an exact, normalised contact (audited by the caller): the
-- accounts and the leads that have it. Never a substring: a lookup names one contact.

-- name: users_with_email(email)
SELECT id, display_name, status, email_verified_at IS NOT NULL AS verified
FROM users
WHERE lower(email) = :email AND deleted_at IS NULL AND email IS NOT NULL
ORDER BY created_at, id;

-- name: users_with_phone(phone)
SELECT id, display_name, status, phone_verified_at IS NOT NULL AS verified
FROM users
WHERE phone = :phone AND deleted_at IS NULL AND phone IS NOT NULL
ORDER BY created_at, id;

-- name: leads_with_contact(kind, value_normalized)
-- Served by lead_identities_kind_value_normalized_idx; merged leads are not leads.
SELECT DISTINCT l.id, l.display_name, l.status, l.created_at
FROM lead_identities AS i
JOIN leads AS l ON l.id = i.lead_id
WHERE i.kind = :kind AND i.value_normalized = :value_normalized AND l.merged_into_id IS NULL
ORDER BY l.created_at, l.id
LIMIT 50;
