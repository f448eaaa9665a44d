-- 0030 crm: a lead note may come from the person (the contact form's message)
--
-- What: lead_notes.author_id becomes nullable; NULL means the lead wrote it through the
--       contact form (POST /leads {message}).
-- Why:  the message is P2 and belongs with the lead, encrypted, where staff read notes
--       (audited) — not in the timeline, which is P0.
-- rollback note: DELETE FROM lead_notes WHERE author_id IS NULL (loses messages);
--       ALTER TABLE lead_notes ALTER COLUMN author_id SET NOT NULL.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The table's only reader is the CRM's own code, which shows a NULL author as the lead.
-- squawk-ignore ban-drop-not-null
ALTER TABLE lead_notes ALTER COLUMN author_id DROP NOT NULL;

COMMENT ON COLUMN lead_notes.author_id IS 'P0. The staff member who wrote the note; NULL when the lead wrote it through the contact form.';
