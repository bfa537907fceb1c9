"""What the intake integration tests share: one running intake app per test module, a congress of each
test's own, direct counts in the database, an event tap bound on the suite's exchange, spreadsheets.

Every test makes its own congress (`await suite.new_congress()`), so tests that share the running app
never see each other's data; counts and events are filtered by that congress.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl
from pymongo import AsyncMongoClient

from services.intake.settings import IntakeSettings
from shared.auth import Role
from shared.testing.helpers import eventually, token
from shared.testing.tap import EventTap

Doc = dict[str, Any]
DEPUTY_EVENT = "intake.deputy.updated.v1"

# Bodies long enough for the checks (≥ 50 characters, with measures); each about its own topic.
PARKING = {
    "title": "关于加强城区停车设施建设的建议",
    "body": (
        "城区老旧小区停车位严重不足，夜间占道停车普遍，影响消防通道畅通和居民出行安全。"
        "建议：一是统筹利用边角地、闲置地建设立体停车设施；二是推动机关企事业单位停车场错时共享；"
        "三是完善智慧停车信息平台，提高泊位周转率。"
    ),
    "field": "城乡建设",
    "kind": "session",
}
PARKING_REWORDED = {
    "title": "关于缓解老旧小区停车难的建议",
    "body": (
        "老旧小区停车位缺口大，车辆夜间占道停车，堵塞消防通道，居民出行不便。"
        "建议利用闲置地和边角地建设立体停车设施，推动机关企事业单位停车场错时共享，"
        "完善智慧停车平台，提高泊位周转率，缓解停车难。"
    ),
    "field": "城乡建设",
    "kind": "session",
}
SCHOOLS = {
    "title": "关于改善农村中小学师资配置的建议",
    "body": (
        "农村中小学教师流失严重，音乐、美术、英语等学科专任教师短缺，部分学校一人包班。"
        "建议：一是完善乡村教师生活补助和职称评聘倾斜政策；二是推进县域内教师交流轮岗；"
        "三是加强师范生定向培养，补齐紧缺学科教师。"
    ),
    "field": "科教文卫",
    "kind": "recess",
}
RIVERS = {
    "title": "关于加强河道垃圾治理的建议",
    "body": (
        "部分河道沿岸生活垃圾随意倾倒，汛期垃圾漂浮堵塞闸口，水质下降，群众反映强烈。"
        "建议：一是落实河长制巡河责任；二是建立沿河村庄垃圾收运体系；三是加强执法，"
        "对乱倒垃圾行为依法处罚，推动河道长效保洁。"
    ),
    "field": "资源环境",
    "kind": "session",
}

# (id, name, delegation)
DEPUTIES: list[tuple[str, str, str]] = [
    ("d1", "屠永芳", "城关代表团"),
    ("d2", "李明", "城关代表团"),
    ("d3", "王建国", "北湖代表团"),
    ("d4", "陈静", "北湖代表团"),
    ("d5", "赵强", "南山代表团"),
    ("d6", "孙丽", "南山代表团"),
]


def ok(r: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have this status."""
    assert r.status_code == status, f"{r.request.method} {r.request.url} → {r.status_code}: {r.text}"
    return r.json()


def error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error of a response that must be this error; returns `error` (code, message, details)."""
    assert r.status_code == status, f"{r.request.method} {r.request.url} → {r.status_code}: {r.text}"
    body = r.json()["error"]
    assert body["code"] == code, body
    return dict(body)


def xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A real workbook: one sheet, a header row, the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_xlsx(data: bytes) -> list[list[Any]]:
    """Every row of the first sheet of a workbook, as values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


SUGGESTION_HEADERS = ["标题", "正文", "领域", "类型", "来源", "领衔代表", "附议代表", "是否保密"]
DEPUTY_HEADERS = ["代表编号", "姓名", "代表团", "手机", "邮箱"]


@dataclass
class Suite:
    """One running intake app and what the tests need around it."""

    settings: IntakeSettings
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[Doc]
    tap: EventTap

    @property
    def db(self) -> Any:
        return self.mongo[self.settings.database_name]

    # --- who is calling --------------------------------------------------------------------------

    def admin(self) -> dict[str, str]:
        return token(self.settings, "admin-1", Role.ADMIN, congress_id="admin-home")

    def staff(self, congress_id: str, subject: str = "staff-1") -> dict[str, str]:
        return token(self.settings, subject, Role.STAFF, congress_id=congress_id)

    def deputy(self, congress_id: str, subject: str) -> dict[str, str]:
        return token(self.settings, subject, Role.DEPUTY, congress_id=congress_id)

    # --- setting up --------------------------------------------------------------------------------

    async def new_congress(
        self,
        *,
        level: str = "city",
        parent_id: str | None = None,
        fields: list[str] | None = None,
        session: str = "15-2",
        deputies: list[tuple[str, str, str]] | None = DEPUTIES,
        prefix: str = "c",
    ) -> str:
        """A congress of the test's own (admin sets it up), with the standard deputies unless told otherwise."""
        congress_id = f"{prefix}-{uuid.uuid4().hex[:10]}"
        body: Doc = {
            "name": f"测试{level}人大",
            "level": level,
            "parent_id": parent_id,
            "term": 15,
            "session": session,
            "session_name": "十五届人大二次会议",
        }
        if fields is not None:
            body["fields"] = fields
        ok(await self.client.put(f"/congresses/{congress_id}", json=body, headers=self.admin()))
        if deputies:
            await self.add_deputies(congress_id, deputies)
        return congress_id

    async def add_deputies(self, congress_id: str, deputies: list[tuple[str, str, str]]) -> None:
        """Staff load deputies in one request: the import route (PUT /deputies/{id} is tested on its own)."""
        lines = ["代表编号,姓名,代表团", *(",".join(d) for d in deputies)]
        r = await self.client.post(
            "/deputies/import",
            files={"file": ("deputies.csv", "\n".join(lines).encode(), "text/csv")},
            headers=self.staff(congress_id),
        )
        assert ok(r)["rows"] == len(deputies)

    async def draft(self, congress_id: str, deputy_id: str, **overrides: Any) -> Doc:
        """A deputy starts a draft (201)."""
        body = {**PARKING, **overrides}
        r = await self.client.post("/suggestions", json=body, headers=self.deputy(congress_id, deputy_id))
        return dict(ok(r, 201))

    async def answer(self, congress_id: str, deputy_id: str, suggestion_id: str, confirm: bool = True) -> Doc:
        r = await self.client.post(
            f"/suggestions/{suggestion_id}/co-signing",
            json={"confirm": confirm},
            headers=self.deputy(congress_id, deputy_id),
        )
        return dict(ok(r))

    async def submit(self, congress_id: str, deputy_id: str, suggestion_id: str) -> Doc:
        """The lead submits; the whole SubmissionPublic (suggestion, findings, similar)."""
        r = await self.client.post(f"/suggestions/{suggestion_id}/submit", headers=self.deputy(congress_id, deputy_id))
        return dict(ok(r))

    async def submitted(
        self, congress_id: str, deputy_id: str, co_signers: Sequence[str] = (), **overrides: Any
    ) -> Doc:
        """Draft, every co-signer confirms, submit: the submitted suggestion."""
        created = await self.draft(congress_id, deputy_id, co_signers=[{"id": c} for c in co_signers], **overrides)
        for c in co_signers:
            await self.answer(congress_id, c, created["id"])
        return dict((await self.submit(congress_id, deputy_id, created["id"]))["suggestion"])

    async def registered(
        self, congress_id: str, deputy_id: str, co_signers: Sequence[str] = (), **overrides: Any
    ) -> Doc:
        """A submitted suggestion that staff registered."""
        s = await self.submitted(congress_id, deputy_id, co_signers, **overrides)
        r = await self.client.post(f"/suggestions/{s['id']}/register", headers=self.staff(congress_id))
        return dict(ok(r))

    async def read(self, congress_id: str, suggestion_id: str, headers: dict[str, str] | None = None) -> Doc:
        r = await self.client.get(f"/suggestions/{suggestion_id}", headers=headers or self.staff(congress_id))
        return dict(ok(r))

    async def listing(self, congress_id: str, headers: dict[str, str] | None = None, **params: Any) -> Doc:
        r = await self.client.get("/suggestions", params=params, headers=headers or self.staff(congress_id))
        return dict(ok(r))

    # --- looking inside ----------------------------------------------------------------------------

    async def counts(self, congress_id: str) -> dict[str, int]:
        """How many documents of each collection belong to the congress."""
        return {
            "suggestions": await self.db["suggestions"].count_documents({"congress_id": congress_id}),
            "deputies": await self.db["deputies"].count_documents({"congress_id": congress_id}),
            "congresses": await self.db["congresses"].count_documents({"_id": congress_id}),
        }

    async def snapshot(self, congress_id: str) -> list[Doc]:
        """Every document of the congress, without the fields that change on their own (outbox, times)."""
        docs: list[Doc] = []
        for name, query in (
            ("suggestions", {"congress_id": congress_id}),
            ("deputies", {"congress_id": congress_id}),
            ("congresses", {"_id": congress_id}),
        ):
            for d in await self.db[name].find(query).sort("_id", 1).to_list():
                docs.append({k: v for k, v in d.items() if k not in ("outbox", "outbox_since")})
        return docs

    async def outbox_drained(self, collection: str, congress_id: str) -> bool:
        """True when no document of the congress holds events still to publish."""
        pending = await self.db[collection].count_documents(
            {"congress_id": congress_id, "$or": [{"outbox_since": {"$exists": True}}, {"outbox.0": {"$exists": True}}]}
        )
        return pending == 0

    async def wait_events(self, congress_id: str, *types: str, count: int, timeout: float = 20.0) -> list[Doc]:
        """Wait until at least `count` events of these types of the congress arrived; return them all."""

        async def enough() -> list[Doc] | None:
            found = await self.tap.events(congress_id, *types)
            return found if len(found) >= count else None

        return await eventually(enough, timeout=timeout)

    async def settle(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)
