"""Application errors with a stable code and one JSON shape: {"code", "message", "extra"}."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class AppError(Exception):
    """A refusal the caller can act on: a code for machines, a sentence for people."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, **extra: Any):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.extra = extra
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}

    def as_response(self) -> JsonResponse:
        return JsonResponse(
            self.as_dict(), status=self.status, json_dumps_params={"ensure_ascii": False}
        )
