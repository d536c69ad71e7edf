"""A real ``requests`` transport that counts the body bytes a client receives while streaming,
per last URL segment (an asset's sha256), and keeps the headers it sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from app.sync.transport import Params, RequestsTransport, Response, Timeout


class _Counted:
    def __init__(self, response: Response, counter: Counter[str], key: str) -> None:
        self._response, self._counter, self._key = response, counter, key
        self.status_code = response.status_code
        self.headers = response.headers

    @property
    def content(self) -> bytes:
        return self._response.content

    def json(self) -> Any:
        return self._response.json()

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        for data in self._response.iter_content(chunk_size):
            self._counter[self._key] += len(data)
            yield data

    def close(self) -> None:
        self._response.close()


class CountingTransport:
    """Streams through a :class:`RequestsTransport`; ``received[key]`` counts body bytes
    streamed (answers read whole are not counted), ``total`` all of them."""

    def __init__(self) -> None:
        self.inner = RequestsTransport()
        self.received: Counter[str] = Counter()
        self.sent_headers: list[tuple[str, dict[str, str]]] = []

    @property
    def total(self) -> int:
        return sum(self.received.values())

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: Timeout,
    ) -> Response:
        key = url.rsplit("/", 1)[1]
        self.sent_headers.append((key, dict(headers or {})))
        response = self.inner.get(
            url, params=params, headers=headers, stream=stream, timeout=timeout
        )
        return _Counted(response, self.received, key)

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        return self.inner.post(url, content=content, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.inner.close()
