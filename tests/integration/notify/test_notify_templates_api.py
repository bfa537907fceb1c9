"""Staff edit their congress's templates over HTTP against the real servers; bad templates write nothing."""

from __future__ import annotations

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.testing.helpers import running, settings_for, token
from shared.testing.servers import Servers

PATH = "/templates/assignment.case.assigned.v1/sms"


async def test_staff_edit_templates_per_congress(servers: Servers, namespace: str) -> None:
    settings = settings_for(NotifySettings, servers, namespace)
    staff = token(settings, "staff-1", Role.STAFF, congress_id="c1")
    async with running(create_app(settings)) as notify:
        default = (await notify.get(PATH, headers=staff)).json()
        assert default["own"] is False and default["body"] == "{{ body }}"
        body = {"body": "【示范市人大】{{ event.number }}：{{ body }}"}
        put = await notify.put(PATH, headers=staff, json=body)
        assert put.status_code == 200 and put.json()["sample_body"].startswith("【示范市人大】15-2-0001：")
        assert (await notify.get(PATH, headers=staff)).json()["own"] is True
        # another congress still has the default
        other = token(settings, "staff-9", Role.STAFF, congress_id="c2")
        assert (await notify.get(PATH, headers=other)).json()["own"] is False
        bad = await notify.put(PATH, headers=staff, json={"body": "{{ nmae }}"})
        assert (bad.status_code, bad.json()["error"]["code"]) == (422, "template.invalid")
        assert (await notify.get(PATH, headers=staff)).json()["body"] == body["body"]
        unknown = await notify.get("/templates/nobody.case.thing.v1/sms", headers=staff)
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "template.event_type_unknown")
        deputy = await notify.get(PATH, headers=token(settings, "d1", Role.DEPUTY, congress_id="c1"))
        assert (deputy.status_code, deputy.json()["error"]["code"]) == (403, "auth.role_not_allowed")
        back = await notify.delete(PATH, headers=staff)
        assert back.json()["own"] is False
