"""The `templates` collection: a congress's own e-mail and SMS templates per event type, and of the reminder
digest (stored as event type `digest`); the defaults otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notify.templates import DEFAULTS, DIGEST, Template
from shared.mongo import AsyncDatabase, Doc

TEMPLATES = "templates"


class TemplateStore:
    """Reads and writes congresses' templates."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[TEMPLATES]

    async def get(self, congress_id: str, event_type: str, channel: str) -> tuple[Template, bool]:
        """The template in force, and whether it is the congress's own."""
        doc = await self.collection.find_one({"_id": f"{congress_id}:{event_type}:{channel}"})
        if doc is None:
            return (DIGEST if event_type == "digest" else DEFAULTS)[channel], False
        return Template(subject=doc["subject"], body=doc["body"]), True

    async def put(self, congress_id: str, event_type: str, channel: str, template: Template, *, by: str) -> None:
        await self.collection.replace_one(
            {"_id": f"{congress_id}:{event_type}:{channel}"},
            {
                "congress_id": congress_id,
                "event_type": event_type,
                "channel": channel,
                "subject": template.subject,
                "body": template.body,
                "updated_at": datetime.now(UTC),
                "updated_by": by,
            },
            upsert=True,
        )

    async def delete(self, congress_id: str, event_type: str, channel: str) -> bool:
        result = await self.collection.delete_one({"_id": f"{congress_id}:{event_type}:{channel}"})
        return result.deleted_count == 1
