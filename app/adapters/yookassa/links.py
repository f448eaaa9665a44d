"""Payment links at YooKassa: the provider call that follows a committed payment row."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from app.adapters.postgres.database import Database
from app.adapters.yookassa.client import YooKassaClient, YooKassaError, YooKassaRejected
from app.application.ports import Clock
from app.domain.errors import NotFound
from app.domain.payments.model import PaymentProviderUnavailable

logger = structlog.get_logger(__name__)


def payment_request(
    row: dict[str, Any], return_url: str, vat_code: int | None = None
) -> dict[str, Any]:
    """The YooKassa payment body: a one-stage payment with our ids in metadata, and a
    54-FZ receipt when ``vat_code`` is given (receipts switched on)."""
    amount = {"value": f"{row['amount']:.2f}", "currency": row["currency"]}
    body: dict[str, Any] = {
        "amount": amount,
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": return_url[:2048]},
        "description": f"Эмоциональный баланс: {row['service_title']}"[:128],
        "metadata": {"payment_id": str(row["id"]), "appointment_id": str(row["appointment_id"])},
    }
    if vat_code is not None and row.get("email"):
        body["receipt"] = {
            "customer": {"email": row["email"]},
            "items": [{"description": str(row["service_title"])[:128], "quantity": "1.00",
                       "amount": amount, "vat_code": vat_code}],
        }  # fmt: skip
    return body


class YooKassaLinks:
    def __init__(
        self, database: Database, client: YooKassaClient, clock: Clock, return_url: str,
        vat_code: int | None = None,
    ) -> None:  # fmt: skip
        self._vat_code = vat_code
        self._db = database
        self._client = client
        self._clock = clock
        self._return_url = return_url
        self._q = database.queries.payments

    async def confirmation_url(self, payment_id: uuid.UUID) -> str:
        async with self._db.pool.connection() as conn:
            row = await self._q.payment_for_link(conn, id=payment_id)
        if row is None:
            raise NotFound()
        if row["confirmation_url"]:
            return str(row["confirmation_url"])
        try:
            created = await self._client.create_payment(
                payment_request(row, self._return_url, self._vat_code), str(row["idempotence_key"])
            )
        except (YooKassaError, YooKassaRejected) as exc:
            logger.error(
                "payment_link_failed", payment_id=str(payment_id), error=type(exc).__name__
            )
            raise PaymentProviderUnavailable() from exc
        url = str((created.get("confirmation") or {}).get("confirmation_url") or "")
        async with self._db.pool.connection() as conn:
            await self._q.set_payment_link(
                conn, id=payment_id, provider_payment_id=created["id"],
                status="pending", confirmation_url=url, now=self._clock.now(),
            )  # fmt: skip
        return url
