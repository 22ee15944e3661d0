"""The notifier's inputs (EventBridge events delivered by SQS) and outputs (emails)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ConfigDict, Field

from core.models import BaseModel


class EventEnvelope(BaseModel):
    """An EventBridge event as the SQS target delivers it (the message body is the event JSON)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=128)
    source: str
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/plain; charset=utf-8"
    content: bytes


@dataclass(frozen=True)
class Email:
    """One email: a plain-text part, an HTML part, optional attachments (e.g. a receipt ``.txt``)."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())
