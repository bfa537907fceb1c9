"""Intake at scale: import 1,000 suggestions from one XLSX, then run the submission checks on each.

`python -m bench.intake` prints the figures; `python -m bench` includes them in its report.
Runs the intake app in this process against the bench servers (real SecantusDB/MongoDB and RabbitMQ).
"""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from typing import Any

import openpyxl

from bench.similarity import generate
from bench.stats import percentile
from services.intake.main import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Role
from shared.testing.helpers import delete_namespace, running, settings_for, token
from shared.testing.journeys import set_up_congress
from shared.testing.servers import Servers, provide_servers

DEPUTIES = 300


def _workbook(n: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["标题", "正文", "领域", "类型", "来源", "领衔代表", "附议代表", "是否保密"])
    for i, s in enumerate(generate(n, seed=20261122)):
        body = s.body + "\n建议有关部门加快推进、完善措施。"
        ws.append(
            [
                s.title,
                body,
                s.field,
                "大会期间",
                "议案转建议",
                f"d{i % DEPUTIES:03d}",
                f"d{(i + 1) % DEPUTIES:03d}",
                "否",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def run(servers: Servers, n: int = 1000) -> dict[str, Any]:
    """Import n suggestions and check each; timings in seconds and milliseconds."""
    namespace = f"bi{uuid.uuid4().hex[:8]}"
    settings = settings_for(IntakeSettings, servers, namespace)
    staff = token(settings, "staff-1", Role.STAFF)
    data = _workbook(n)
    try:
        async with running(create_app(settings)) as intake:
            await set_up_congress(intake, "", token(settings, "admin", Role.ADMIN), "c1")
            csv = "编号,姓名,代表团\n" + "\n".join(
                f"d{i:03d},代表{i:03d},第{i % 12 + 1}代表团" for i in range(DEPUTIES)
            )
            r = await intake.post(
                "/deputies/import", files={"file": ("d.csv", csv.encode(), "text/csv")}, headers=staff
            )
            r.raise_for_status()
            t0 = time.perf_counter()
            r = await intake.post(
                "/suggestions/import",
                files={"file": ("s.xlsx", data, "application/octet-stream")},
                headers=staff,
                timeout=600,
            )
            r.raise_for_status()
            imported_s = time.perf_counter() - t0
            created = r.json()["created"]
            # the import's events go out meanwhile; measure that apart from the checks
            from pymongo import AsyncMongoClient

            probe: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
            pending = probe[settings.database_name]["suggestions"]
            while await pending.find_one({"outbox_since": {"$exists": True}}, {"_id": 1}):  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            await probe.close()
            drained_s = time.perf_counter() - t0
            ids: list[str] = []
            skip = 0
            while True:
                page = (await intake.get(f"/suggestions?limit=200&skip={skip}", headers=staff)).json()
                ids += [s["id"] for s in page["data"]]
                skip += 200
                if skip >= page["count"]:
                    break
            check_ms: list[float] = []
            t1 = time.perf_counter()
            for sid in ids:
                c0 = time.perf_counter()
                r = await intake.get(f"/suggestions/{sid}/checks", headers=staff)
                r.raise_for_status()
                check_ms.append((time.perf_counter() - c0) * 1000)
            checked_s = time.perf_counter() - t1
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        from pymongo import AsyncMongoClient

        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
        await client.drop_database(settings.database_name)
        await client.close()
    return {
        "suggestions": created,
        "import_seconds": round(imported_s, 2),
        "import_per_suggestion_ms": round(imported_s * 1000 / max(created, 1), 2),
        "import_events_out_seconds": round(drained_s, 2),
        "check_all_seconds": round(checked_s, 2),
        "check_median_ms": round(percentile(check_ms, 50), 2),
        "check_p99_ms": round(percentile(check_ms, 99), 2),
        "import_and_check_seconds": round(imported_s + checked_s, 2),
    }


def main() -> None:
    """Print the figures."""
    with provide_servers() as servers:
        result = asyncio.run(run(servers))
    for key, value in result.items():
        print(f"{key:<28} {value}")


if __name__ == "__main__":
    main()
