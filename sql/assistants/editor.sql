-- The editor's drafts: what the brief names.

-- name: topic_title(code)^
SELECT title FROM topics WHERE code = :code;
