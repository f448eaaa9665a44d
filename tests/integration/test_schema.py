"""The Release-1 schema: every table, and every constraint that carries a business rule.

Each test runs in its own database cloned from the migrated template.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.integration import rows
from tests.integration.rows import ENC, T0

pytestmark = pytest.mark.migrations

EXPECTED_TABLES = {
    # identity
    "roles", "users", "user_roles", "consents", "auth_sessions", "login_codes",
    "login_lockouts", "telegram_login_payloads", "guest_email_links",
    # content
    "topics", "tags", "content_items", "content_item_versions", "content_item_topics",
    "content_item_tags", "media_assets", "content_media", "curated_collections",
    "curated_items", "glossary_terms", "glossary_term_synonyms",
    # interactive
    "interactive_definitions", "interactive_versions", "interactive_runs",
    # booking
    "services", "schedule_rules", "schedule_exceptions", "appointments", "intake_forms",
    "waitlist_requests",
    # payments
    "payments", "refunds", "provider_webhook_events",
    # cabinet
    "diary_entries", "data_export_requests", "erasure_requests",
    # telegram
    "deep_links", "telegram_accounts",
    # crm
    "leads", "lead_identities", "lead_timeline_events", "lead_notes",
    # moderation
    "ugc_items", "ugc_triggers", "moderation_actions", "ugc_answers", "ugc_item_authors",
    "ugc_reading_tokens", "ugc_answer_recipients",
    # admin
    "audit_log_entries", "message_templates", "system_settings",
    # events, jobs, analytics
    "outbox_events", "notification_deliveries", "analytics_events", "job_runs",
    "idempotency_records",
    # staff alerts (0043)
    "staff_notification_preferences",
    # the rate limits' shared store (0047)
    "rate_limit_store",
    # assistants: LangGraph's checkpoints, conversation owners, the model gate (0049)
    "checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes",
    "assistant_threads", "assistant_call_counts", "llm_token_days",
    # the booking funnel's quarter-hour counts and the roll-up's mark (0059)
    "booking_funnel_buckets", "analytics_rollups",
}  # fmt: skip
YOYO_TABLES = {"_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock"}


@pytest.fixture
def db(postgresql: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """This test's database in autocommit mode: each statement stands alone."""
    postgresql.autocommit = True
    return postgresql


def rejects(
    db: psycopg.Connection[Any],
    error: type[psycopg.Error],
    sql: str,
    params: dict[str, Any] | None = None,
) -> psycopg.Error:
    with pytest.raises(error) as raised:
        db.execute(sql, params or {})
    return raised.value


def _scalar_list(db: psycopg.Connection[Any], sql: str) -> list[Any]:
    return [row[0] for row in db.execute(sql).fetchall()]


# --- the tables ------------------------------------------------------------------------


def test_every_release_1_table_exists(db: psycopg.Connection[Any]) -> None:
    tables = set(_scalar_list(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    assert tables - YOYO_TABLES == EXPECTED_TABLES


def test_every_table_says_what_it_holds_and_its_data_class(db: psycopg.Connection[Any]) -> None:
    comments = dict(
        db.execute(
            """SELECT c.relname, obj_description(c.oid, 'pg_class')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind = 'r'"""
        ).fetchall()
    )
    for table in EXPECTED_TABLES:
        assert comments.get(table), f"{table} has no comment"
        assert comments[table].startswith(("P0", "P1", "P2")), f"{table}: no data class"


ENCRYPTED_COLUMNS = {
    ("intake_forms", "payload_encrypted"),
    ("diary_entries", "body_encrypted"),
    ("data_export_requests", "archive_encrypted"),
    ("lead_notes", "body_encrypted"),
    ("ugc_items", "text_encrypted"),
    ("ugc_answers", "body_encrypted"),
    ("notification_deliveries", "payload_encrypted"),
    ("idempotency_records", "response_encrypted"),
    ("interactive_runs", "result_encrypted"),
    ("ugc_item_authors", "item_encrypted"),
    ("guest_email_links", "archive_encrypted"),
    ("ugc_answer_recipients", "recipient_encrypted"),
}
# Health facts about a person (a self-check's band or crisis flag, a question's author
# beside its flags): P2. The plaintext ones are legacy, never written since 0035, sealed
# by a job and dropped later; the table they are in says it holds P2.
P2_HEALTH_COLUMNS = {
    ("interactive_runs", "result_level"), ("interactive_runs", "result_profile"),
    ("interactive_runs", "crisis_triggered"), ("ugc_items", "author_user_id"),
    ("ugc_items", "anonymous_id"),
}  # fmt: skip
P2_TABLES = {"interactive_runs", "ugc_items", "ugc_item_authors"}

P1_COLUMNS = {
    ("users", "email"), ("users", "phone"), ("users", "telegram_user_id"),
    ("users", "display_name"), ("login_codes", "email_normalized"),
    ("leads", "display_name"), ("lead_identities", "value"),
    ("lead_identities", "value_normalized"), ("telegram_accounts", "telegram_user_id"),
    ("telegram_accounts", "chat_id"), ("telegram_accounts", "username"),
    ("guest_email_links", "email_normalized"), ("rate_limit_store", "key"),
    ("assistant_threads", "user_id"), ("assistant_call_counts", "caller_hash"),
}  # fmt: skip


def _column_comments(db: psycopg.Connection[Any]) -> dict[tuple[str, str], str | None]:
    return {
        (table, column): comment
        for table, column, comment in db.execute(
            """SELECT c.relname, a.attname, col_description(c.oid, a.attnum)
               FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0
                 AND NOT a.attisdropped"""
        ).fetchall()
    }


def test_sensitive_columns_are_commented_with_their_class(db: psycopg.Connection[Any]) -> None:
    comments = _column_comments(db)
    encrypted = {key for key in comments if key[1].endswith("_encrypted")}
    assert encrypted == ENCRYPTED_COLUMNS
    for key in ENCRYPTED_COLUMNS | P2_HEALTH_COLUMNS:
        assert (comments[key] or "").startswith("P2"), key
    for key in P1_COLUMNS:
        assert (comments[key] or "").startswith("P1"), key


def test_health_facts_are_p2_and_sit_beside_no_plaintext_identity(
    db: psycopg.Connection[Any],
) -> None:
    tables = dict(
        db.execute(
            """SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c
               WHERE c.relname = ANY(%(t)s)""",
            {"t": sorted(P2_TABLES)},
        ).fetchall()
    )
    for table in P2_TABLES:
        assert (tables[table] or "").startswith("P2"), table
    comments = _column_comments(db)
    for key in P2_HEALTH_COLUMNS:
        assert "never written" in (comments[key] or ""), key  # legacy, sealed by the job
    # Who wrote an item is linked to it by nothing a join can follow.
    columns = _scalar_list(
        db,
        """SELECT column_name FROM information_schema.columns
           WHERE table_name = 'ugc_item_authors' ORDER BY column_name""",
    )
    assert columns == ["id", "item_encrypted", "user_id"]


def test_every_encrypted_column_only_accepts_the_envelope(db: psycopg.Connection[Any]) -> None:
    checks = {
        (table, definition)
        for table, definition in db.execute(
            """SELECT conrelid::regclass::text, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace"""
        ).fetchall()
    }
    for table, column in ENCRYPTED_COLUMNS:
        assert (table, f"CHECK (({column} ~~ 'enc:v1:%'::text))") in checks, (table, column)


def test_every_status_and_kind_column_has_a_named_check(db: psycopg.Connection[Any]) -> None:
    columns = db.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public'
             AND column_name IN ('status', 'kind', 'type', 'source', 'channel', 'purpose',
                                 'format', 'role', 'action', 'consent_type', 'interactive_type',
                                 'recipient_kind', 'result_level', 'code')
             AND table_name NOT LIKE '%yoyo%'"""
    ).fetchall()
    names = set(
        _scalar_list(db, "SELECT conname FROM pg_constraint WHERE contype IN ('c', 'p', 'f')")
    )
    for table, column in columns:
        assert f"{table}_{column}_check" in names or f"{table}_pkey" in names, (table, column)


def test_seed_data_is_present(db: psycopg.Connection[Any]) -> None:
    assert set(_scalar_list(db, "SELECT code FROM roles")) == {
        "owner", "assistant", "editor", "client",
    }  # fmt: skip
    assert set(_scalar_list(db, "SELECT code FROM topics")) == {
        "anxiety", "burnout", "stress", "relationships", "self_esteem", "boundaries",
        "emotions", "sleep",
    }  # fmt: skip
    assert one_value(db, "SELECT title FROM topics WHERE code = 'anxiety'") == "Тревога"
    settings = dict(db.execute("SELECT key, value FROM system_settings").fetchall())
    assert settings["practitioner.timezone"] == "Europe/Moscow"
    assert settings["booking.hold_minutes"] == 15
    assert settings["booking.reminder_offsets_hours"] == [24, 2]
    assert "112" in str(settings["crisis.resources"])
    templates = set(db.execute("SELECT code, channel FROM message_templates").fetchall())
    for code in (
        "auth.login_code", "booking.held", "booking.confirmed", "booking.canceled",
        "booking.rescheduled", "booking.reminder", "payment.failed", "waitlist.offer",
        "cabinet.data_export_ready",
    ):  # fmt: skip
        assert (code, "email") in templates, code
    for code in ("booking.confirmed", "booking.canceled", "booking.reminder"):
        assert (code, "telegram") in templates, code


def one_value(db: psycopg.Connection[Any], sql: str, params: dict[str, Any] | None = None) -> Any:
    return rows.one(db, sql, params)


# --- constraints that carry business rules ---------------------------------------------


def test_content_slug_is_unique_within_a_type(db: psycopg.Connection[Any]) -> None:
    rows.content_item(db, "kak-spravitsya-s-trevogoy")
    error = rejects(
        db,
        errors.UniqueViolation,
        "INSERT INTO content_items (type, slug, title) VALUES ('article', 'kak-spravitsya-s-trevogoy', 'x')",
    )
    assert error.diag.constraint_name == "content_items_type_slug_key"
    # The same slug is fine for another type.
    rows.content_item(db, "kak-spravitsya-s-trevogoy", type_="practice")


def test_published_content_needs_a_publication_time(db: psycopg.Connection[Any]) -> None:
    error = rejects(
        db,
        errors.CheckViolation,
        "INSERT INTO content_items (type, slug, title, status) VALUES ('note', 'n', 't', 'published')",
    )
    assert error.diag.constraint_name == "content_items_published_at_check"


def test_overlapping_live_appointments_are_refused(db: psycopg.Connection[Any]) -> None:
    service = rows.service(db)
    rows.appointment(db, service, T0, 60)
    with pytest.raises(errors.ExclusionViolation) as raised:
        rows.appointment(db, service, T0 + timedelta(minutes=30), 60, status="confirmed")
    assert raised.value.diag.constraint_name == "appointments_blocked_period_excl"


def test_touching_appointments_are_allowed(db: psycopg.Connection[Any]) -> None:
    service = rows.service(db)
    rows.appointment(db, service, T0, 60)  # [10:00, 11:00)
    rows.appointment(db, service, T0 + timedelta(hours=1), 60)  # [11:00, 12:00)
    assert one_value(db, "SELECT count(*) FROM appointments") == 2


@pytest.mark.parametrize("freed_status", ["canceled", "rescheduled", "completed", "no_show"])
def test_time_of_a_finished_appointment_can_be_booked_again(
    db: psycopg.Connection[Any], freed_status: str
) -> None:
    service = rows.service(db)
    rows.appointment(db, service, T0, 60, status=freed_status)
    rows.appointment(db, service, T0, 60)
    assert one_value(db, "SELECT count(*) FROM appointments") == 2


def test_buffers_are_part_of_the_blocked_time(db: psycopg.Connection[Any]) -> None:
    service = rows.service(db)
    client = rows.user(db)
    db.execute(
        """INSERT INTO appointments (service_id, client_user_id, start_at, end_at, blocked_period,
                                     timezone, format, hold_expires_at)
           VALUES (%(s)s, %(c)s, %(start)s, %(end)s,
                   tstzrange(%(start)s, %(end)s + interval '15 minutes', '[)'),
                   'Europe/Moscow', 'online', %(start)s)""",
        {"s": service, "c": client, "start": T0, "end": T0 + timedelta(minutes=50)},
    )
    with pytest.raises(errors.ExclusionViolation):
        rows.appointment(db, service, T0 + timedelta(minutes=55), 50)


def test_concurrent_bookings_of_one_slot_let_exactly_one_win(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    service = rows.service(db)
    clients = [rows.user(db), rows.user(db)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def book(client: uuid.UUID) -> None:
        # Two inserts checking each other's uncommitted rows may also end in a deadlock
        # (40P01); like the unit of work, retry then, and the retry meets the winner.
        with psycopg.connect(database_url) as conn:
            for attempt in range(3):
                try:
                    with conn.transaction():
                        if attempt == 0:
                            barrier.wait(timeout=10)
                        rows.appointment(conn, service, T0, 60, client=client)
                    outcomes.append("booked")
                except errors.ExclusionViolation:
                    outcomes.append("slot_unavailable")
                except errors.DeadlockDetected:
                    continue
                return

    threads = [threading.Thread(target=book, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "slot_unavailable"]
    assert one_value(db, "SELECT count(*) FROM appointments") == 1


def test_appointment_needs_a_client_or_a_lead(db: psycopg.Connection[Any]) -> None:
    service = rows.service(db)
    error = rejects(
        db,
        errors.CheckViolation,
        """INSERT INTO appointments (service_id, start_at, end_at, blocked_period, timezone,
                                     format, hold_expires_at)
           VALUES (%(s)s, %(t)s, %(t)s + interval '1 hour',
                   tstzrange(%(t)s, %(t)s + interval '1 hour'), 'Europe/Moscow', 'online', %(t)s)""",
        {"s": service, "t": T0},
    )
    assert error.diag.constraint_name == "appointments_client_check"
    rows.appointment(db, service, T0, lead_id=rows.lead(db))


def test_guest_lead_must_exist(db: psycopg.Connection[Any]) -> None:
    service = rows.service(db)
    with pytest.raises(errors.ForeignKeyViolation) as raised:
        rows.appointment(db, service, T0, lead_id=uuid.uuid4())
    assert raised.value.diag.constraint_name == "appointments_lead_id_fkey"


def _plaintext_inserts(db: psycopg.Connection[Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    author = rows.user(db)
    return {
        "intake_forms": (
            "INSERT INTO intake_forms (appointment_id, payload_encrypted) VALUES (%(a)s, %(v)s)",
            {"a": rows.appointment(db, rows.service(db))},
        ),
        "diary_entries": (
            "INSERT INTO diary_entries (user_id, entry_date, body_encrypted) VALUES (%(a)s, current_date, %(v)s)",
            {"a": author},
        ),
        "data_export_requests": (
            "INSERT INTO data_export_requests (user_id, archive_encrypted) VALUES (%(a)s, %(v)s)",
            {"a": author},
        ),
        "lead_notes": (
            "INSERT INTO lead_notes (lead_id, author_id, body_encrypted) VALUES (%(l)s, %(a)s, %(v)s)",
            {"l": rows.lead(db), "a": author},
        ),
        "ugc_items": (
            "INSERT INTO ugc_items (kind, text_encrypted, sla_due_at) VALUES ('question', %(v)s, now())",
            {},
        ),
        "notification_deliveries": (
            """INSERT INTO notification_deliveries (channel, template_code, recipient_kind,
                   recipient_id, dedupe_key, payload_encrypted)
               VALUES ('email', 'auth.login_code', 'login_code', 'x', 'k', %(v)s)""",
            {},
        ),
        "idempotency_records": (
            """INSERT INTO idempotency_records (scope, key, request_hash, response_encrypted,
                   status_code) VALUES ('x', 'key-12345', %(h)s, %(v)s, 201)""",
            {"h": b"h" * 32},
        ),
        "ugc_answers": (
            "INSERT INTO ugc_answers (ugc_item_id, author_id, body_encrypted) VALUES (%(u)s, %(a)s, %(v)s)",
            {"u": rows.ugc_item(db), "a": author},
        ),
        "interactive_runs": (
            """INSERT INTO interactive_runs (definition_id, version_id, user_id, status,
                   completed_at, result_encrypted)
               VALUES (%(d)s, %(r)s, %(a)s, 'completed', now(), %(v)s)""",
            dict(zip(("d", "r"), rows.interactive(db), strict=True), a=author),
        ),
        "ugc_item_authors": (
            "INSERT INTO ugc_item_authors (user_id, item_encrypted) VALUES (%(a)s, %(v)s)",
            {"a": author},
        ),
        "guest_email_links": (
            """INSERT INTO guest_email_links (id, kind, email_normalized, token_hash,
                   created_at, expires_at, archive_encrypted)
               VALUES (gen_random_uuid(), 'export', 'g@example.org', %(h)s, now(),
                       now() + interval '1 day', %(v)s)""",
            {"h": b"h" * 32},
        ),
        "ugc_answer_recipients": (
            """INSERT INTO ugc_answer_recipients (id, ugc_item_id, recipient_encrypted)
               VALUES (gen_random_uuid(), %(u)s, %(v)s)""",
            {"u": rows.ugc_item(db)},
        ),
    }


@pytest.mark.parametrize("table", sorted(table for table, _ in ENCRYPTED_COLUMNS))
def test_plaintext_in_an_encrypted_column_is_refused(
    db: psycopg.Connection[Any], table: str
) -> None:
    sql, params = _plaintext_inserts(db)[table]
    error = rejects(db, errors.CheckViolation, sql, {**params, "v": "мне очень тревожно"})
    assert error.diag.constraint_name.endswith("_encrypted_check")
    db.execute(sql, {**params, "v": ENC})  # the envelope is accepted


def test_run_needs_a_user_or_an_anonymous_id(db: psycopg.Connection[Any]) -> None:
    definition, version = rows.interactive(db)
    error = rejects(
        db,
        errors.CheckViolation,
        "INSERT INTO interactive_runs (definition_id, version_id) VALUES (%(d)s, %(v)s)",
        {"d": definition, "v": version},
    )
    assert error.diag.constraint_name == "interactive_runs_owner_check"


def test_run_version_must_belong_to_its_definition(db: psycopg.Connection[Any]) -> None:
    definition, _ = rows.interactive(db, "first")
    _, foreign_version = rows.interactive(db, "second")
    error = rejects(
        db,
        errors.ForeignKeyViolation,
        """INSERT INTO interactive_runs (definition_id, version_id, anonymous_id)
           VALUES (%(d)s, %(v)s, 'anon-12345678')""",
        {"d": definition, "v": foreign_version},
    )
    assert error.diag.constraint_name == "interactive_runs_version_fkey"


def test_published_interactive_version_is_frozen(db: psycopg.Connection[Any]) -> None:
    definition, version = rows.interactive(db)
    db.execute(
        "UPDATE interactive_versions SET config = '{\"questions\": [1]}' WHERE id = %(v)s",
        {"v": version},
    )  # a draft version can still change
    db.execute(
        """UPDATE interactive_definitions
           SET status = 'published', published_version_id = %(v)s, published_at = now()
           WHERE id = %(d)s""",
        {"d": definition, "v": version},
    )
    rejects(
        db,
        errors.IntegrityConstraintViolation,
        "UPDATE interactive_versions SET config = '{}' WHERE id = %(v)s",
        {"v": version},
    )


@pytest.mark.parametrize(
    ("table", "insert", "constraint"),
    [
        (
            "appointments",
            "UPDATE appointments SET status = 'lost' WHERE id = %(id)s",
            "appointments_status_check",
        ),
        (
            "content_items",
            "UPDATE content_items SET status = 'hidden' WHERE id = %(id)s",
            "content_items_status_check",
        ),
        ("users", "UPDATE users SET status = 'frozen' WHERE id = %(id)s", "users_status_check"),
        ("leads", "UPDATE leads SET status = 'hot' WHERE id = %(id)s", "leads_status_check"),
    ],
)
def test_unknown_status_is_refused(
    db: psycopg.Connection[Any], table: str, insert: str, constraint: str
) -> None:
    builders: dict[str, Callable[[], uuid.UUID]] = {
        "appointments": lambda: rows.appointment(db, rows.service(db)),
        "content_items": lambda: rows.content_item(db, "s"),
        "users": lambda: rows.user(db),
        "leads": lambda: rows.lead(db),
    }
    error = rejects(db, errors.CheckViolation, insert, {"id": builders[table]()})
    assert error.diag.constraint_name == constraint


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log_entries SET action = 'user.nothing'",
        "DELETE FROM audit_log_entries",
        "TRUNCATE audit_log_entries",
    ],
)
def test_audit_log_is_append_only(db: psycopg.Connection[Any], statement: str) -> None:
    db.execute(
        """INSERT INTO audit_log_entries (action, entity_type, entity_id, details)
           VALUES ('user.block', 'user', 'u1', '{"reason": "spam"}')"""
    )
    error = rejects(db, errors.InsufficientPrivilege, statement)
    assert "append-only" in str(error)
    assert one_value(db, "SELECT count(*) FROM audit_log_entries") == 1


def test_consent_history_is_append_only(db: psycopg.Connection[Any]) -> None:
    user = rows.user(db)
    db.execute(
        """INSERT INTO consents (user_id, consent_type, granted, document_version, source)
           VALUES (%(u)s, 'health_data', true, '2026-01', 'web')""",
        {"u": user},
    )
    rejects(db, errors.InsufficientPrivilege, "UPDATE consents SET granted = false")
    rejects(db, errors.InsufficientPrivilege, "DELETE FROM consents")


def test_provider_notification_is_recorded_once(db: psycopg.Connection[Any]) -> None:
    sql = """INSERT INTO provider_webhook_events (provider, event, object_id)
             VALUES ('yookassa', 'payment.succeeded', '2d1b-0001')"""
    db.execute(sql)
    error = rejects(db, errors.UniqueViolation, sql)
    assert error.diag.constraint_name == "provider_webhook_events_provider_event_object_id_key"
    inserted = db.execute(sql.replace(")\n", ")") + " ON CONFLICT DO NOTHING").rowcount
    assert inserted == 0


def test_idempotency_keys_are_unique(db: psycopg.Connection[Any]) -> None:
    constraints = set(_scalar_list(db, "SELECT conname FROM pg_constraint"))
    indexes = set(_scalar_list(db, "SELECT indexname FROM pg_indexes"))
    for name in (
        "payments_provider_payment_id_key", "payments_idempotence_key_key",
        "refunds_provider_refund_id_key", "refunds_idempotence_key_key",
        "provider_webhook_events_provider_event_object_id_key", "deep_links_code_key",
        "notification_deliveries_dedupe_key_key", "outbox_events_event_id_key",
    ):  # fmt: skip
        assert name in constraints, name
    assert "appointments_manage_token_hash_key" in indexes


def test_contact_details_are_unique_among_live_users(db: psycopg.Connection[Any]) -> None:
    user = rows.user(db, "Anna@Example.org")
    error = rejects(
        db, errors.UniqueViolation, "INSERT INTO users (email) VALUES ('anna@example.org')"
    )
    assert error.diag.constraint_name == "users_email_key"
    # Erasure (status deleted) frees the address for a new account.
    db.execute(
        "UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = %(u)s", {"u": user}
    )
    rows.user(db, "anna@example.org")


def test_deep_link_code_format(db: psycopg.Connection[Any]) -> None:
    error = rejects(
        db,
        errors.CheckViolation,
        "INSERT INTO deep_links (code, purpose) VALUES ('bad code!', 'plan')",
    )
    assert error.diag.constraint_name == "deep_links_code_check"
    db.execute("INSERT INTO deep_links (code, purpose) VALUES ('Ab3_-xyz9', 'plan')")


def test_synonym_leads_to_one_term(db: psycopg.Connection[Any]) -> None:
    first = one_value(
        db,
        """INSERT INTO glossary_terms (slug, term, definition_markdown)
           VALUES ('trevoga', 'Тревога', 'Определение') RETURNING id""",
    )
    second = one_value(
        db,
        """INSERT INTO glossary_terms (slug, term, definition_markdown)
           VALUES ('strah', 'Страх', 'Определение') RETURNING id""",
    )
    db.execute(
        "INSERT INTO glossary_term_synonyms (term_id, synonym) VALUES (%(t)s, 'Беспокойство')",
        {"t": first},
    )
    error = rejects(
        db,
        errors.UniqueViolation,
        "INSERT INTO glossary_term_synonyms (term_id, synonym) VALUES (%(t)s, 'беспокойство')",
        {"t": second},
    )
    assert error.diag.constraint_name == "glossary_term_synonyms_synonym_key"


def test_a_contact_may_be_claimed_by_several_leads(db: psycopg.Connection[Any]) -> None:
    """Contacts are claims (0036): two leads may give one address; staff merge them."""
    sql = """INSERT INTO lead_identities (lead_id, kind, value, value_normalized)
             VALUES (%(l)s, 'email', 'A@b.ru', 'a@b.ru')"""
    db.execute(sql, {"l": rows.lead(db)})
    db.execute(sql, {"l": rows.lead(db)})
    assert one_value(
        db, "SELECT count(*) FROM lead_identities WHERE value_normalized = 'a@b.ru'"
    ) == 2  # fmt: skip


def test_a_lead_is_not_merged_into_itself(db: psycopg.Connection[Any]) -> None:
    lead = rows.lead(db)
    error = rejects(
        db, errors.CheckViolation, "UPDATE leads SET merged_into_id = id WHERE id = %(l)s",
        {"l": lead},
    )  # fmt: skip
    assert error.diag.constraint_name == "leads_merged_into_check"


def test_only_verified_phones_are_unique(db: psycopg.Connection[Any]) -> None:
    """An unverified phone is a claim several accounts may make; a verified one is unique."""
    first, second = rows.user(db, "one@example.org"), rows.user(db, "two@example.org")
    claim = "UPDATE users SET phone = '+79990001122' WHERE id = %(u)s"
    db.execute(claim, {"u": first})
    db.execute(claim, {"u": second})
    verify = "UPDATE users SET phone_verified_at = now() WHERE id = %(u)s"
    db.execute(verify, {"u": first})
    error = rejects(db, errors.UniqueViolation, verify, {"u": second})
    assert error.diag.constraint_name == "users_verified_phone_key"


# --- smoke path (the seed's test plan) -------------------------------------------------


def test_smoke_user_round_trip(db: psycopg.Connection[Any]) -> None:
    user = rows.user(db, "smoke@example.org")
    row = db.execute(
        "SELECT email, status, timezone, locale, version FROM users WHERE id = %(u)s",
        {"u": user},
    ).fetchone()
    assert row == ("smoke@example.org", "active", "Europe/Moscow", "ru", 1)


def test_smoke_content_is_found_by_a_russian_word_form(db: psycopg.Connection[Any]) -> None:
    item = rows.content_item(
        db,
        "trevoga-i-son",
        title="Тревога и сон",
        body="Как тревожные мысли мешают заснуть и что с этим делать.",
        status="published",
    )
    rows.content_item(db, "o-granitsah", title="О границах", body="Про личные границы.")
    found = _scalar_list(
        db,
        """SELECT id FROM content_items
           WHERE search_vector @@ websearch_to_tsquery('russian', 'тревожный')
           ORDER BY ts_rank(search_vector, websearch_to_tsquery('russian', 'тревожный')) DESC""",
    )
    assert found == [item]
    assert _scalar_list(
        db,
        "SELECT id FROM content_items WHERE search_vector @@ websearch_to_tsquery('russian', 'мыслями')",
    ) == [item]


def test_smoke_interactive_run_keeps_only_the_aggregate(db: psycopg.Connection[Any]) -> None:
    definition, version = rows.interactive(db)
    run = one_value(
        db,
        """INSERT INTO interactive_runs (definition_id, version_id, anonymous_id, status,
                                         completed_at, result_level, result_profile,
                                         crisis_triggered, duration_ms)
           VALUES (%(d)s, %(v)s, 'anon-12345678', 'completed', now(), 'moderate',
                   'worry_loop', false, 93000)
           RETURNING id""",
        {"d": definition, "v": version},
    )
    assert db.execute(
        "SELECT result_level, result_profile FROM interactive_runs WHERE id = %(r)s", {"r": run}
    ).fetchone() == ("moderate", "worry_loop")
    columns = _scalar_list(
        db,
        """SELECT column_name FROM information_schema.columns
           WHERE table_name = 'interactive_runs'""",
    )
    assert not [c for c in columns if "answer" in c]


def test_smoke_appointment_with_its_payment(db: psycopg.Connection[Any]) -> None:
    appointment = rows.appointment(db, rows.service(db))
    payment = one_value(
        db,
        """INSERT INTO payments (appointment_id, kind, amount, provider, idempotence_key)
           VALUES (%(a)s, 'full', 3500.00, 'yookassa', gen_random_uuid()) RETURNING id""",
        {"a": appointment},
    )
    db.execute(
        """UPDATE payments SET status = 'succeeded', provider_payment_id = '2d1b-0001',
                               confirmed_at = now(), version = version + 1
           WHERE id = %(p)s AND version = 1""",
        {"p": payment},
    )
    db.execute(
        "UPDATE appointments SET status = 'confirmed', version = version + 1 WHERE id = %(a)s",
        {"a": appointment},
    )
    row = db.execute(
        """SELECT a.status, p.status, p.amount::text, p.currency
           FROM appointments a JOIN payments p ON p.appointment_id = a.id
           WHERE a.id = %(a)s""",
        {"a": appointment},
    ).fetchone()
    assert row == ("confirmed", "succeeded", "3500.00", "RUB")
    rejects(
        db,
        errors.CheckViolation,
        "UPDATE payments SET provider_payment_id = NULL WHERE id = %(p)s",
        {"p": payment},
    )
