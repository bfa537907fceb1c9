"""The first slice in one process: submit → register → assignment's case and the deputy's inbox."""

from __future__ import annotations

from contextlib import AsyncExitStack

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.assignment.main import create_app as assignment_app
from services.assignment.settings import AssignmentSettings
from services.evaluation.main import create_app as evaluation_app
from services.evaluation.settings import EvaluationSettings
from services.intake.main import create_app as intake_app
from services.intake.settings import IntakeSettings
from services.notify.main import create_app as notify_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.journeys import put_deputies, set_up_congress, submit
from shared.testing.servers import Servers


async def test_registered_suggestion_reaches_assignment_evaluation_and_inbox(
    servers: Servers, namespace: str, spans: InMemorySpanExporter
) -> None:
    intake_s = settings_for(IntakeSettings, servers, namespace)
    assign_s = settings_for(AssignmentSettings, servers, namespace)
    eval_s = settings_for(EvaluationSettings, servers, namespace)
    notify_s = settings_for(NotifySettings, servers, namespace)
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(running(intake_app(intake_s)))
        assignment = await stack.enter_async_context(running(assignment_app(assign_s)))
        evaluation = await stack.enter_async_context(running(evaluation_app(eval_s)))
        notify = await stack.enter_async_context(running(notify_app(notify_s)))

        deputy = token(intake_s, "dep-1", Role.DEPUTY, name="屠永芳")
        cosigner = token(intake_s, "dep-2", Role.DEPUTY, name="李明")
        staff = token(intake_s, "staff-1", Role.STAFF)
        await set_up_congress(intake, "", token(intake_s, "admin", Role.ADMIN), "c1")
        await put_deputies(intake, "", staff)
        suggestion = await submit(intake, "", deputy, co_signers=[("dep-2", cosigner)])
        assert suggestion["status"] == "submitted" and suggestion["number"] is None

        r = await intake.post(f"/suggestions/{suggestion['id']}/register", headers=staff)
        assert r.status_code == 200, r.text
        number = r.json()["number"]
        assert number == "15-2-0001"

        async def case_awaiting() -> dict[str, object]:
            r = await assignment.get(f"/cases/{suggestion['id']}", headers=staff)
            return r.json() if r.status_code == 200 else {}

        case = await eventually(case_awaiting)
        assert case["status"] == "awaiting_pre_assignment" and case["number"] == number

        async def inbox_of(headers: dict[str, str]) -> list[dict[str, object]]:
            r = await notify.get("/inbox", headers=headers)
            assert r.status_code == 200
            return list(r.json()["data"])

        lead_inbox = await eventually(lambda: inbox_of(deputy))
        assert len(lead_inbox) == 1
        assert lead_inbox[0]["body"] == f"您领衔提出的《关于加强城区停车设施建设的建议》已登记，编号{number}。"

        async def co_signer_told_of_registration() -> list[dict[str, object]]:
            notes = await inbox_of(cosigner)
            return notes if any("您附议的" in str(n["body"]) for n in notes) else []

        co_inbox = await eventually(co_signer_told_of_registration)
        # the co-signer was first asked to co-sign, then told of the registration
        assert [n["subject"] for n in co_inbox] == ["建议已登记", "联名附议邀请"]
        assert co_inbox[1]["body"] == "屠永芳代表邀请您联名附议《关于加强城区停车设施建设的建议》，请确认或谢绝。"
        # staff got nothing: the rule is the deputies behind the suggestion
        assert await inbox_of(staff) == []

        r = await evaluation.get(f"/suggestions/{suggestion['id']}/raters", headers=staff)
        assert r.status_code == 200 and [c["id"] for c in r.json()["co_signers"]] == ["dep-2"]

        # reading marks it read, for the recipient only
        nid = lead_inbox[0]["id"]
        assert (await notify.post(f"/inbox/{nid}/read", headers=cosigner)).status_code == 404
        r = await notify.post(f"/inbox/{nid}/read", headers=deputy)
        assert r.status_code == 200 and r.json()["read_at"] is not None
        assert (await notify.get("/inbox/unread-count", headers=deputy)).json() == {"unread": 0}

    # every span that carries the case id is in one trace
    case_spans = [s for s in spans.get_finished_spans() if (s.attributes or {}).get("case.id") == suggestion["id"]]
    assert case_spans
    assert len({s.context.trace_id for s in case_spans}) == 1
    names = {s.name for s in case_spans}
    assert any("process" in n for n in names) and any("publish" in n for n in names)
