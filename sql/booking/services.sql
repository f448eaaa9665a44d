-- Services, weekly rules and exceptions.

-- name: list_services(include_unpublished)
SELECT id, slug, title, description_markdown, format, duration_minutes, price_amount,
       deposit_amount, currency, buffer_before_minutes, buffer_after_minutes,
       min_notice_minutes, horizon_days, cancel_free_hours, cancel_partial_hours,
       cancel_partial_refund_percent, reschedule_min_hours, status, meeting_url, address, version
FROM services
WHERE :include_unpublished OR status = 'published'
ORDER BY title, slug;

-- name: get_service_by_slug(slug)^
SELECT id, slug, title, description_markdown, format, duration_minutes, price_amount,
       deposit_amount, currency, buffer_before_minutes, buffer_after_minutes,
       min_notice_minutes, horizon_days, cancel_free_hours, cancel_partial_hours,
       cancel_partial_refund_percent, reschedule_min_hours, status, meeting_url, address, version
FROM services WHERE slug = :slug;

-- name: get_service(id)^
SELECT id, slug, title, description_markdown, format, duration_minutes, price_amount,
       deposit_amount, currency, buffer_before_minutes, buffer_after_minutes,
       min_notice_minutes, horizon_days, cancel_free_hours, cancel_partial_hours,
       cancel_partial_refund_percent, reschedule_min_hours, status, meeting_url, address, version
FROM services WHERE id = :id;

-- name: insert_service(id, slug, title, description_markdown, format, duration_minutes, price_amount, deposit_amount, currency, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, cancel_free_hours, cancel_partial_hours, cancel_partial_refund_percent, reschedule_min_hours, status, meeting_url, address, now)!
INSERT INTO services (id, slug, title, description_markdown, format, duration_minutes,
                      price_amount, deposit_amount, currency, buffer_before_minutes,
                      buffer_after_minutes, min_notice_minutes, horizon_days, cancel_free_hours,
                      cancel_partial_hours, cancel_partial_refund_percent, reschedule_min_hours,
                      status, meeting_url, address, created_at, updated_at)
VALUES (:id, :slug, :title, :description_markdown, :format, :duration_minutes, :price_amount,
        :deposit_amount, :currency, :buffer_before_minutes, :buffer_after_minutes,
        :min_notice_minutes, :horizon_days, :cancel_free_hours, :cancel_partial_hours,
        :cancel_partial_refund_percent, :reschedule_min_hours, :status, :meeting_url, :address,
        :now, :now);

-- name: update_service(id, version, slug, title, description_markdown, format, duration_minutes, price_amount, deposit_amount, currency, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, cancel_free_hours, cancel_partial_hours, cancel_partial_refund_percent, reschedule_min_hours, status, meeting_url, address, now)<!
UPDATE services
SET slug = :slug, title = :title, description_markdown = :description_markdown,
    format = :format, duration_minutes = :duration_minutes, price_amount = :price_amount,
    deposit_amount = :deposit_amount, currency = :currency,
    buffer_before_minutes = :buffer_before_minutes, buffer_after_minutes = :buffer_after_minutes,
    min_notice_minutes = :min_notice_minutes, horizon_days = :horizon_days,
    cancel_free_hours = :cancel_free_hours, cancel_partial_hours = :cancel_partial_hours,
    cancel_partial_refund_percent = :cancel_partial_refund_percent,
    reschedule_min_hours = :reschedule_min_hours, status = :status,
    meeting_url = :meeting_url, address = :address, updated_at = :now,
    version = version + 1
WHERE id = :id AND version = :version
RETURNING version;

-- name: rules_for_service(service_id)
SELECT id, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id
FROM schedule_rules
WHERE service_id IS NULL OR service_id = :service_id
ORDER BY weekday, start_time;

-- name: list_rules()
SELECT id, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id, version
FROM schedule_rules ORDER BY weekday, start_time;

-- name: insert_rule(id, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id, now)!
INSERT INTO schedule_rules (id, weekday, start_time, end_time, timezone, valid_from, valid_to,
                            service_id, created_at, updated_at)
VALUES (:id, :weekday, :start_time, :end_time, :timezone, :valid_from, :valid_to, :service_id,
        :now, :now);

-- name: delete_rule(id)!
DELETE FROM schedule_rules WHERE id = :id;

-- name: exceptions_between(start_at, end_at)
SELECT id, lower(period) AS start_at, upper(period) AS end_at, kind, reason
FROM schedule_exceptions
WHERE period && tstzrange(:start_at, :end_at)
ORDER BY lower(period);

-- name: insert_exception(id, start_at, end_at, kind, reason, now)!
INSERT INTO schedule_exceptions (id, period, kind, reason, created_at)
VALUES (:id, tstzrange(:start_at, :end_at), :kind, :reason, :now);

-- name: delete_exception(id)!
DELETE FROM schedule_exceptions WHERE id = :id;
