-- 0013 crm: leads, their identities, timeline and notes; lead foreign keys
--
-- What: the Lead aggregate (a person known by contact details but not, or not yet, a
--       client account), the identities it is matched by, a P0 timeline of what it
--       did, and staff notes (P2, encrypted). Then the foreign keys from the tables
--       created earlier that already carry lead_id (consents, appointments,
--       waitlist_requests, deep_links, telegram_accounts), added NOT VALID and
--       validated by 0014 in its own transaction.
-- Why:  leads are created or merged from every entry point by identity
--       (kind, value_normalized), so a person is one lead however they arrive.
-- rollback note: ALTER TABLE ... DROP CONSTRAINT <table>_lead_id_fkey on the five
--       tables; DROP TABLE lead_notes, lead_timeline_events, lead_identities, leads;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE leads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status text NOT NULL DEFAULT 'new',
    source text NOT NULL,
    display_name text,
    converted_user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    assigned_to uuid REFERENCES users (id) ON DELETE RESTRICT,
    first_touch jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT leads_status_check CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost')),
    CONSTRAINT leads_source_check CHECK (source IN ('web_form', 'booking', 'interactive', 'telegram', 'manual')),
    CONSTRAINT leads_converted_check CHECK (status <> 'converted' OR converted_user_id IS NOT NULL),
    CONSTRAINT leads_first_touch_check CHECK (jsonb_typeof(first_touch) = 'object'),
    CONSTRAINT leads_version_check CHECK (version > 0)
);

CREATE INDEX leads_status_created_at_idx ON leads (status, created_at DESC);
CREATE INDEX leads_assigned_to_idx ON leads (assigned_to);
CREATE INDEX leads_converted_user_id_idx ON leads (converted_user_id);

COMMENT ON TABLE leads IS 'P1. Prospective clients known by contact details; merged by identity, converted to a user.';
COMMENT ON COLUMN leads.display_name IS 'P1. Name the person gave.';
COMMENT ON COLUMN leads.first_touch IS 'P0. Entry point, topic code, deep link and UTM tags of the first contact.';

CREATE TABLE lead_identities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    kind text NOT NULL,
    value text NOT NULL,
    value_normalized text NOT NULL,
    verified_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lead_identities_kind_value_normalized_key UNIQUE (kind, value_normalized),
    CONSTRAINT lead_identities_kind_check CHECK (kind IN ('email', 'phone', 'telegram'))
);

CREATE INDEX lead_identities_lead_id_idx ON lead_identities (lead_id);

COMMENT ON TABLE lead_identities IS 'P1. Contact details a lead is matched and merged by.';
COMMENT ON COLUMN lead_identities.value IS 'P1. E-mail, phone or Telegram id as given.';
COMMENT ON COLUMN lead_identities.value_normalized IS 'P1. Normalised form (lower-case e-mail, E.164 phone, numeric Telegram id); unique per kind.';

CREATE TABLE lead_timeline_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    props jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT lead_timeline_events_event_type_check CHECK (event_type ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT lead_timeline_events_props_check CHECK (jsonb_typeof(props) = 'object')
);

CREATE INDEX lead_timeline_events_lead_id_occurred_at_idx ON lead_timeline_events (lead_id, occurred_at DESC);

COMMENT ON TABLE lead_timeline_events IS 'P0. What a lead did (booked, took a quiz, started the bot); the application rejects personal data in props.';
COMMENT ON COLUMN lead_timeline_events.props IS 'P0 only: ids, codes, levels; never contact data or texts.';

CREATE TABLE lead_notes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    body_encrypted text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lead_notes_body_encrypted_check CHECK (body_encrypted LIKE 'enc:v1:%')
);

CREATE INDEX lead_notes_lead_id_created_at_idx ON lead_notes (lead_id, created_at);
CREATE INDEX lead_notes_author_id_idx ON lead_notes (author_id);

COMMENT ON TABLE lead_notes IS 'P2. Staff notes about a lead; encrypted, read by owner and assistant (audited).';
COMMENT ON COLUMN lead_notes.body_encrypted IS 'P2. Note text in the enc:v1 envelope bound to the row.';

-- The lead columns of earlier tables get their foreign keys now that leads exists.
-- NOT VALID keeps this migration to a brief lock; 0014 validates them separately.
ALTER TABLE consents ADD CONSTRAINT consents_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE appointments ADD CONSTRAINT appointments_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE waitlist_requests ADD CONSTRAINT waitlist_requests_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE deep_links ADD CONSTRAINT deep_links_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE telegram_accounts ADD CONSTRAINT telegram_accounts_lead_id_fkey
    FOREIGN KEY (lead_id) REFERENCES leads (id) ON DELETE RESTRICT NOT VALID;
