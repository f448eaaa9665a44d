-- 0008 booking: services, weekly schedule rules and schedule exceptions
--
-- What: the consultations the practice sells, with their price and policies
--       (buffers, notice, horizon, cancellation and reschedule windows), the weekly
--       working hours in the practitioner's local time, and dated exceptions.
-- Why:  free slots are computed from these (rules − exceptions − bookings − calendar
--       busy time); they are never stored.
-- rollback note: DROP TABLE schedule_exceptions, schedule_rules, services; -- only
--       before appointments exist.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE services (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    title text NOT NULL,
    description_markdown text NOT NULL DEFAULT '',
    format text NOT NULL,
    duration_minutes integer NOT NULL,
    price_amount numeric(12, 2) NOT NULL,
    deposit_amount numeric(12, 2),
    currency text NOT NULL DEFAULT 'RUB',
    buffer_before_minutes integer NOT NULL DEFAULT 0,
    buffer_after_minutes integer NOT NULL DEFAULT 0,
    min_notice_minutes integer NOT NULL DEFAULT 0,
    horizon_days integer NOT NULL DEFAULT 60,
    cancel_free_hours integer NOT NULL DEFAULT 24,
    cancel_partial_hours integer NOT NULL DEFAULT 0,
    cancel_partial_refund_percent integer NOT NULL DEFAULT 0,
    reschedule_min_hours integer NOT NULL DEFAULT 24,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT services_slug_key UNIQUE (slug),
    CONSTRAINT services_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT services_format_check CHECK (format IN ('online', 'offline', 'hybrid')),
    CONSTRAINT services_status_check CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT services_duration_minutes_check CHECK (duration_minutes > 0 AND duration_minutes <= 720),
    CONSTRAINT services_price_amount_check CHECK (price_amount >= 0),
    CONSTRAINT services_deposit_amount_check CHECK (deposit_amount > 0 AND deposit_amount <= price_amount),
    CONSTRAINT services_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT services_buffers_check CHECK (buffer_before_minutes >= 0 AND buffer_after_minutes >= 0),
    CONSTRAINT services_min_notice_minutes_check CHECK (min_notice_minutes >= 0),
    CONSTRAINT services_horizon_days_check CHECK (horizon_days BETWEEN 1 AND 365),
    CONSTRAINT services_cancel_window_check CHECK (
        cancel_free_hours >= 0 AND cancel_partial_hours >= 0 AND cancel_partial_hours <= cancel_free_hours
    ),
    CONSTRAINT services_cancel_partial_refund_percent_check CHECK (cancel_partial_refund_percent BETWEEN 0 AND 100),
    CONSTRAINT services_reschedule_min_hours_check CHECK (reschedule_min_hours >= 0),
    CONSTRAINT services_version_check CHECK (version > 0)
);

CREATE INDEX services_status_idx ON services (status);

COMMENT ON TABLE services IS 'P0. Consultations offered, with price and booking policy.';
COMMENT ON COLUMN services.deposit_amount IS 'P0. When set, booking takes this deposit instead of the full price.';
COMMENT ON COLUMN services.cancel_free_hours IS 'P0. Canceling at least this many hours before the start refunds in full.';
COMMENT ON COLUMN services.cancel_partial_hours IS 'P0. Canceling between this and cancel_free_hours before the start refunds cancel_partial_refund_percent; later, nothing.';
COMMENT ON COLUMN services.currency IS 'P0. ISO 4217 code (text with a check rather than char(3)).';

CREATE TABLE schedule_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    weekday integer NOT NULL,
    start_time time NOT NULL,
    end_time time NOT NULL,
    timezone text NOT NULL DEFAULT 'Europe/Moscow',
    valid_from date,
    valid_to date,
    service_id uuid REFERENCES services (id) ON DELETE RESTRICT,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedule_rules_weekday_check CHECK (weekday BETWEEN 1 AND 7),
    CONSTRAINT schedule_rules_time_check CHECK (end_time > start_time),
    CONSTRAINT schedule_rules_valid_check CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
    CONSTRAINT schedule_rules_timezone_check CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$')
);

CREATE INDEX schedule_rules_service_id_idx ON schedule_rules (service_id);
CREATE INDEX schedule_rules_weekday_idx ON schedule_rules (weekday);

COMMENT ON TABLE schedule_rules IS 'P0. Weekly working hours in local wall-clock time (ISO weekday 1 = Monday) with their IANA time zone; service_id NULL = all services.';

CREATE TABLE schedule_exceptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    period tstzrange NOT NULL,
    kind text NOT NULL,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedule_exceptions_kind_check CHECK (kind IN ('closed', 'open')),
    CONSTRAINT schedule_exceptions_period_check CHECK (
        NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)
    )
);

CREATE INDEX schedule_exceptions_period_idx ON schedule_exceptions USING gist (period);

COMMENT ON TABLE schedule_exceptions IS 'P0. Dated changes to the weekly schedule: closed (vacation, holiday) or open (extra hours).';
COMMENT ON COLUMN schedule_exceptions.reason IS 'P0. Staff note such as "vacation"; never client data.';
