"""Steps people take, as HTTP calls, shared by the demo and the end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx

SAMPLE = {
    "title": "关于加强城区停车设施建设的建议",
    "body": (
        "城区老旧小区停车位严重不足，夜间占道停车普遍，影响消防通道畅通和居民出行安全。"
        "建议：一是统筹利用边角地、闲置地建设立体停车设施；二是推动机关企事业单位停车场错时共享；"
        "三是完善智慧停车信息平台，提高泊位周转率。"
    ),
    "field": "城乡建设",
    "kind": "session",
}


async def submit(client: httpx.AsyncClient, base: str, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """A deputy submits a suggestion; the created suggestion."""
    r = await client.post(f"{base}/suggestions", json={**SAMPLE, **overrides}, headers=headers)
    r.raise_for_status()
    return dict(r.json()) | {"_trace_id": r.headers.get("x-trace-id", "")}


async def register(client: httpx.AsyncClient, base: str, headers: dict[str, str], suggestion_id: str) -> dict[str, Any]:
    """Staff register a suggestion; the registered suggestion."""
    r = await client.post(f"{base}/suggestions/{suggestion_id}/register", headers=headers)
    r.raise_for_status()
    return dict(r.json()) | {"_trace_id": r.headers.get("x-trace-id", "")}


async def inbox(client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """A person's notifications."""
    r = await client.get(f"{base}/inbox", headers=headers)
    r.raise_for_status()
    return list(r.json()["data"])
