"""The merged document is built lazily, on request, and reused for a few seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from gymloop_gateway.openapi_merge import merge_documents


class MergedOpenAPI:
    def __init__(
        self,
        client: httpx.AsyncClient,
        service_urls: Mapping[str, str],
        base: Callable[[], dict[str, Any]],
        *,
        ttl_s: float,
        timeout_s: float = 3.0,
    ) -> None:
        self.client = client
        self.service_urls = dict(service_urls)
        self.base = base
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._document: dict[str, Any] | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, service: str, base_url: str) -> tuple[str, dict[str, Any] | str]:
        try:
            answer = await self.client.get(base_url.rstrip("/") + "/openapi.json", timeout=self.timeout_s)
        except httpx.HTTPError as error:
            return service, f"does not answer: {type(error).__name__}"
        if answer.status_code != 200:
            return service, f"answered {answer.status_code}"
        try:
            document = answer.json()
        except ValueError:
            return service, "answered something that is not JSON"
        return service, document if isinstance(document, dict) else "answered something that is not a document"

    async def document(self) -> dict[str, Any]:
        async with self._lock:
            if self._document is not None and time.monotonic() - self._built_at < self.ttl_s:
                return self._document
            results = await asyncio.gather(*(self._fetch(name, url) for name, url in self.service_urls.items()))
            documents = {name: result for name, result in results if isinstance(result, dict)}
            unavailable = {name: result for name, result in results if isinstance(result, str)}
            self._document = merge_documents(self.base(), documents, unavailable)
            self._built_at = time.monotonic()
            return self._document
