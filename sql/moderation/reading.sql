-- Reading an answer without an account (by the token's hash) and whom to tell when an
-- answer arrives (encrypted; forgotten once told).

-- name: insert_reading_token(token_hash, ugc_item_id)!
INSERT INTO ugc_reading_tokens (token_hash, ugc_item_id) VALUES (:token_hash, :ugc_item_id);

-- name: item_by_reading_token(token_hash)^
SELECT ugc_item_id FROM ugc_reading_tokens WHERE token_hash = :token_hash;

-- name: insert_answer_recipient(id, ugc_item_id, recipient_encrypted)!
INSERT INTO ugc_answer_recipients (id, ugc_item_id, recipient_encrypted)
VALUES (:id, :ugc_item_id, :recipient_encrypted);

-- name: take_answer_recipients(ugc_item_id)
DELETE FROM ugc_answer_recipients WHERE ugc_item_id = :ugc_item_id
RETURNING id, recipient_encrypted;
