-- 0009 booking: appointments, intake forms and the waitlist
--
-- What: the Appointment aggregate with its lifecycle, the intake form (P2, encrypted)
--       and waitlist requests.
-- Why:  the exclusion constraint appointments_blocked_period_excl is THE guarantee
--       against double booking: two live appointments (pending_payment or confirmed)
--       can never overlap, buffers included, even under concurrent inserts. A
--       canceled, rescheduled, completed or no-show appointment frees its time.
-- rollback note: DROP TABLE waitlist_requests, intake_forms, appointments; -- loses
--       bookings and intake forms: not reversible without data loss.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE appointments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
    client_user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    lead_id uuid,
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,
    blocked_period tstzrange NOT NULL,
    timezone text NOT NULL,
    status text NOT NULL DEFAULT 'pending_payment',
    format text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    hold_expires_at timestamptz,
    manage_token_hash bytea,
    external_calendar_event_id text,
    meeting_url text,
    location_text text,
    cancel_reason text,
    canceled_at timestamptz,
    canceled_by uuid REFERENCES users (id) ON DELETE RESTRICT,
    rescheduled_from_id uuid REFERENCES appointments (id) ON DELETE RESTRICT,
    reminders_sent text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT appointments_status_check CHECK (
        status IN ('pending_payment', 'confirmed', 'canceled', 'rescheduled', 'completed', 'no_show')
    ),
    CONSTRAINT appointments_format_check CHECK (format IN ('online', 'offline')),
    CONSTRAINT appointments_time_check CHECK (end_at > start_at),
    CONSTRAINT appointments_blocked_period_check CHECK (
        blocked_period @> tstzrange(start_at, end_at, '[)') AND NOT upper_inf(blocked_period) AND NOT lower_inf(blocked_period)
    ),
    CONSTRAINT appointments_client_check CHECK (client_user_id IS NOT NULL OR lead_id IS NOT NULL),
    CONSTRAINT appointments_hold_check CHECK (status <> 'pending_payment' OR hold_expires_at IS NOT NULL),
    CONSTRAINT appointments_canceled_check CHECK (status <> 'canceled' OR canceled_at IS NOT NULL),
    CONSTRAINT appointments_cancel_reason_check CHECK (cancel_reason ~ '^[a-z_]{1,64}$'),
    CONSTRAINT appointments_manage_token_hash_check CHECK (octet_length(manage_token_hash) = 32),
    CONSTRAINT appointments_timezone_check CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'),
    CONSTRAINT appointments_metadata_check CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT appointments_version_check CHECK (version > 0),
    CONSTRAINT appointments_blocked_period_excl EXCLUDE USING gist (blocked_period WITH &&)
        WHERE (status IN ('pending_payment', 'confirmed'))
);

CREATE UNIQUE INDEX appointments_manage_token_hash_key ON appointments (manage_token_hash)
    WHERE manage_token_hash IS NOT NULL;
CREATE INDEX appointments_status_hold_expires_at_idx ON appointments (status, hold_expires_at);
CREATE INDEX appointments_client_user_id_start_at_idx ON appointments (client_user_id, start_at);
CREATE INDEX appointments_start_at_idx ON appointments (start_at);
CREATE INDEX appointments_lead_id_idx ON appointments (lead_id);
CREATE INDEX appointments_service_id_idx ON appointments (service_id);
CREATE INDEX appointments_canceled_by_idx ON appointments (canceled_by);
CREATE INDEX appointments_rescheduled_from_id_idx ON appointments (rescheduled_from_id);

COMMENT ON TABLE appointments IS 'P0. Booked consultations. Kept for accounting after erasure (the client link is de-identified).';
COMMENT ON COLUMN appointments.blocked_period IS 'P0. [start - buffer_before, end + buffer_after): the time this appointment takes from the calendar.';
COMMENT ON COLUMN appointments.timezone IS 'P0. IANA time zone the client booked in; times are stored in UTC.';
COMMENT ON COLUMN appointments.metadata IS 'P0. entry_point, topic_code, deep_link_id, utm: never personal data.';
COMMENT ON COLUMN appointments.hold_expires_at IS 'P0. A pending_payment hold is released after this moment.';
COMMENT ON COLUMN appointments.manage_token_hash IS 'P0 (secret-derived). SHA-256 of the guest''s secret manage link token.';
COMMENT ON COLUMN appointments.lead_id IS 'P0. The guest''s lead when booked without an account; foreign key added with the crm tables (0013).';
COMMENT ON COLUMN appointments.meeting_url IS 'P0. Video meeting link of an online session.';
COMMENT ON COLUMN appointments.cancel_reason IS 'P0. Reason code (client_request, hold_expired, payment_canceled, staff, ...), never free text.';
COMMENT ON COLUMN appointments.reminders_sent IS 'P0. Reminder offsets already sent (e.g. 24h, 2h), so a reminder goes out once.';

CREATE TABLE intake_forms (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    appointment_id uuid NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    payload_encrypted text NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    submitted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT intake_forms_appointment_id_key UNIQUE (appointment_id),
    CONSTRAINT intake_forms_payload_encrypted_check CHECK (payload_encrypted LIKE 'enc:v1:%'),
    CONSTRAINT intake_forms_status_check CHECK (status IN ('draft', 'submitted')),
    CONSTRAINT intake_forms_submitted_check CHECK ((status = 'submitted') = (submitted_at IS NOT NULL)),
    CONSTRAINT intake_forms_version_check CHECK (version > 0)
);

COMMENT ON TABLE intake_forms IS 'P2. The client''s answers before a session; encrypted, read by the owner only (audited). Destroyed on erasure.';
COMMENT ON COLUMN intake_forms.payload_encrypted IS 'P2. AES-256-GCM envelope enc:v1:<key id>:<data>, bound to intake_forms.payload_encrypted:<id>.';

CREATE TABLE waitlist_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
    user_id uuid REFERENCES users (id) ON DELETE RESTRICT,
    lead_id uuid,
    preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    offered_at timestamptz,
    CONSTRAINT waitlist_requests_status_check CHECK (
        status IN ('active', 'offered', 'fulfilled', 'canceled', 'expired')
    ),
    CONSTRAINT waitlist_requests_requester_check CHECK (user_id IS NOT NULL OR lead_id IS NOT NULL),
    CONSTRAINT waitlist_requests_preferences_check CHECK (jsonb_typeof(preferences) = 'object'),
    CONSTRAINT waitlist_requests_offered_check CHECK (status <> 'offered' OR offered_at IS NOT NULL)
);

CREATE INDEX waitlist_requests_service_id_status_created_at_idx
    ON waitlist_requests (service_id, status, created_at);
CREATE INDEX waitlist_requests_user_id_idx ON waitlist_requests (user_id);
CREATE INDEX waitlist_requests_lead_id_idx ON waitlist_requests (lead_id);

COMMENT ON TABLE waitlist_requests IS 'P0. Requests to be offered a slot when one frees up.';
COMMENT ON COLUMN waitlist_requests.preferences IS 'P0. Preferred days and parts of day; never free text.';
COMMENT ON COLUMN waitlist_requests.lead_id IS 'P0. The guest''s lead; foreign key added with the crm tables (0013).';
