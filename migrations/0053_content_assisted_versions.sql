-- 0053 content: versions drafted by an assistant are marked
--
-- What: content_item_versions.assisted_by (nullable text): the assistant that wrote the
--       version's text ('editor_drafts'), NULL for a person's text. A CHECK keeps it to
--       a short code.
-- Why:  an assisted draft lands through the ordinary editorial workflow as a draft; the
--       history must show which version a model wrote, so a reviewer knows what to
--       read closely and it is never published without a person's review.
--       The column is nullable without a default (no table rewrite). The CHECK is added
--       NOT VALID, so nothing scans the table under the ACCESS EXCLUSIVE lock; it holds
--       for every row written from now on, and every earlier row is NULL, which
--       satisfies it, so no separate VALIDATE is needed.
-- rollback note: ALTER TABLE content_item_versions DROP COLUMN assisted_by; -- loses
--       which versions an assistant wrote.

SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE content_item_versions ADD COLUMN assisted_by text;
ALTER TABLE content_item_versions ADD CONSTRAINT content_item_versions_assisted_by_check
    CHECK (assisted_by ~ '^[a-z_]{1,64}$') NOT VALID;

COMMENT ON COLUMN content_item_versions.assisted_by IS 'P0. The assistant that wrote this version''s text (editor_drafts); NULL: written by a person.';
