"""A small async YooKassa API client over httpx.

Every POST carries our own ``Idempotence-Key`` (stored on our row before the call), and
a retry reuses it: YooKassa then returns the first result instead of creating a second
payment. 500s and timeouts are retried with backoff; 429 waits ``retry_after``; other
4xx answers are final and raised as ``YooKassaRejected``. An object id goes into a URL
only in YooKassa's own format (and escaped even then): an id from a notification is
untrusted text, and "../refunds/X" or "X/cancel" would reach another of the API's paths.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import structlog

logger = structlog.get_logger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# YooKassa's ids look like 22d6d597-000f-5000-9000-145f6df21d6f; a little wider, never
# with "/", ".", "?", "%" or anything else a URL gives meaning to.
_OBJECT_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


class YooKassaError(Exception):
    """The API could not be reached or kept failing (worth retrying later)."""


class YooKassaRejected(Exception):
    """The API refused the request (4xx): retrying the same request cannot help."""

    def __init__(self, status: int, code: str | None, parameter: str | None) -> None:
        super().__init__(f"YooKassa refused the request: {status} {code or ''}".strip())
        self.status = status
        self.code = code
        self.parameter = parameter


class InvalidObjectId(ValueError):
    """An id that is not in YooKassa's format: refused before any request is made."""


def _object_path(collection: str, object_id: str, action: str | None = None) -> str:
    if not _OBJECT_ID.fullmatch(object_id):
        raise InvalidObjectId(f"not a YooKassa {collection[:-1]} id")
    path = f"{collection}/{quote(object_id, safe='')}"
    return f"{path}/{action}" if action else path


class YooKassaClient:
    def __init__(
        self,
        base_url: str,
        shop_id: str,
        secret_key: str,
        *,
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_wait_seconds: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            auth=(shop_id, secret_key),
            timeout=DEFAULT_TIMEOUT,
            transport=transport,
            headers={"User-Agent": "emotional-balance"},
        )
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_wait = max_wait_seconds
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_payment(self, body: dict[str, Any], idempotence_key: str) -> dict[str, Any]:
        return await self._request("POST", "payments", body, idempotence_key)

    async def get_payment(self, payment_id: str) -> dict[str, Any]:
        return await self._request("GET", _object_path("payments", payment_id))

    async def cancel_payment(self, payment_id: str, idempotence_key: str) -> dict[str, Any]:
        path = _object_path("payments", payment_id, "cancel")
        return await self._request("POST", path, {}, idempotence_key)

    async def create_refund(self, body: dict[str, Any], idempotence_key: str) -> dict[str, Any]:
        return await self._request("POST", "refunds", body, idempotence_key)

    async def get_refund(self, refund_id: str) -> dict[str, Any]:
        return await self._request("GET", _object_path("refunds", refund_id))

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        idempotence_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Idempotence-Key": idempotence_key} if idempotence_key else {}
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                response = await self._http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as exc:
                if last:
                    raise YooKassaError(f"YooKassa unreachable: {type(exc).__name__}") from exc
                await self._sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if response.status_code < 400:
                answer: dict[str, Any] = response.json()
                return answer
            error = _error_body(response)
            if response.status_code == 429 and not last:
                wait = min(float(error.get("retry_after") or 1), self._max_wait)
                logger.warning("yookassa_throttled", wait_seconds=wait)
                await self._sleep(wait)
                continue
            if response.status_code >= 500 and not last:
                logger.warning("yookassa_retry", status=response.status_code, attempt=attempt)
                await self._sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if response.status_code >= 500 or response.status_code == 429:
                raise YooKassaError(f"YooKassa kept failing: {response.status_code}")
            raise YooKassaRejected(response.status_code, error.get("code"), error.get("parameter"))
        raise YooKassaError("no attempt was made")  # pragma: no cover


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
