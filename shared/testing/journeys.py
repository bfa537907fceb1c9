"""Steps people take, as HTTP calls, shared by the demo, the benchmarks and the end-to-end tests."""

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

DEPUTIES = [
    ("dep-1", "屠永芳", "城关代表团"),
    ("dep-2", "李明", "城关代表团"),
    ("dep-3", "王建国", "北湖代表团"),
    ("dep-4", "陈静", "北湖代表团"),
]


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 400:
        raise AssertionError(f"{r.request.method} {r.request.url} → {r.status_code}: {r.text}")
    return dict(r.json()) | {"_trace_id": r.headers.get("x-trace-id", "")}


async def set_up_congress(
    client: httpx.AsyncClient,
    base: str,
    headers: dict[str, str],
    congress_id: str,
    *,
    name: str = "某某市人民代表大会",
    level: str = "city",
    parent_id: str | None = None,
    session: str = "15-2",
) -> dict[str, Any]:
    """An admin (or the congress's staff) sets up a congress with its current session."""
    body = {
        "name": name,
        "level": level,
        "parent_id": parent_id,
        "term": 15,
        "session": session,
        "session_name": "市十五届人大二次会议",
    }
    return _ok(await client.put(f"{base}/congresses/{congress_id}", json=body, headers=headers))


async def put_deputies(
    client: httpx.AsyncClient, base: str, staff: dict[str, str], deputies: list[tuple[str, str, str]] = DEPUTIES
) -> None:
    """Staff enter deputies one by one."""
    for deputy_id, name, delegation in deputies:
        _ok(
            await client.put(
                f"{base}/deputies/{deputy_id}", json={"name": name, "delegation": delegation}, headers=staff
            )
        )


async def draft(client: httpx.AsyncClient, base: str, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """A deputy starts a draft."""
    return _ok(await client.post(f"{base}/suggestions", json={**SAMPLE, **overrides}, headers=headers))


async def co_sign(
    client: httpx.AsyncClient, base: str, headers: dict[str, str], suggestion_id: str, confirm: bool = True
) -> dict[str, Any]:
    """A co-signer answers."""
    return _ok(
        await client.post(f"{base}/suggestions/{suggestion_id}/co-signing", json={"confirm": confirm}, headers=headers)
    )


async def submit(
    client: httpx.AsyncClient,
    base: str,
    headers: dict[str, str],
    co_signers: list[tuple[str, dict[str, str]]] = (),  # type: ignore[assignment]
    **overrides: Any,
) -> dict[str, Any]:
    """A deputy drafts a suggestion, the co-signers confirm, and the deputy submits it; the submitted suggestion."""
    created = await draft(client, base, headers, co_signers=[{"id": i} for i, _ in co_signers], **overrides)
    for _, signer in co_signers:
        await co_sign(client, base, signer, created["id"])
    submitted = _ok(await client.post(f"{base}/suggestions/{created['id']}/submit", headers=headers))
    return dict(submitted["suggestion"]) | {"_trace_id": created["_trace_id"], "_findings": submitted["findings"]}


async def register(client: httpx.AsyncClient, base: str, headers: dict[str, str], suggestion_id: str) -> dict[str, Any]:
    """Staff register a suggestion; the registered suggestion."""
    return _ok(await client.post(f"{base}/suggestions/{suggestion_id}/register", headers=headers))


async def inbox(client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """A person's notifications."""
    r = await client.get(f"{base}/inbox", headers=headers)
    r.raise_for_status()
    return list(r.json()["data"])
