"""A file the gateway answered, passed on to the browser: its bytes with its type and name, nothing of the
platform's own headers."""

from __future__ import annotations

import httpx
from fastapi.responses import Response

# Not content-length: httpx hands over the bytes decoded, so a compressed answer's length would be wrong.
DOWNLOAD_HEADERS = ("content-type", "content-disposition")


def passed_on(answer: httpx.Response) -> Response:
    headers = {name: answer.headers[name] for name in DOWNLOAD_HEADERS if name in answer.headers}
    return Response(content=answer.content, headers=headers)
