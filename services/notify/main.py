"""Notify service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from services.notify import api_deliveries, api_rules, api_templates, api_webhooks
from services.notify.api import router
from services.notify.channels import AliyunSms, EmailSender, LogSms, SmsProvider, SmtpSettings
from services.notify.consumers import build_handlers
from services.notify.delivery_store import DELIVERIES, DeliveryStore
from services.notify.digest import DigestStore
from services.notify.directory import Directory
from services.notify.fanout import FanOut
from services.notify.rule_store import RuleStore
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.template_store import TemplateStore
from services.notify.webhook_store import WEBHOOK_DELIVERIES, WebhookStore
from shared.runtime import ServiceRuntime, make_app
from shared.sweep import DueSweeper
from shared.tracing import configure_tracing


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: NotifySettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The notify app; nothing connects until its lifespan starts. `clock` is for tests that move time."""
    settings = settings or NotifySettings()
    clock = clock or _utc_now
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[DELIVERIES, WEBHOOK_DELIVERIES])
    store = InboxStore(runtime.db)
    directory = Directory(runtime.db)
    templates = TemplateStore(runtime.db)
    rule_store = RuleStore(runtime.db, cache_seconds=settings.rules_cache_seconds)
    webhooks = WebhookStore(
        runtime.db,
        clock=clock,
        link_base=settings.public_base_url,
        allow_local_http=settings.webhook_allow_local_http,
    )
    webhook_sweep = DueSweeper(
        "notify-webhooks", webhooks.deliver_due, webhooks.next_due, clock, interval_seconds=settings.sweep_seconds
    )
    webhooks.on_due = webhook_sweep.wake
    webhooks.events, webhooks.relay = runtime.events, runtime.relay
    email = (
        EmailSender(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.get_secret_value() or None,
                starttls=settings.smtp_starttls,
                use_tls=settings.smtp_tls,
                from_address=settings.smtp_from,
                timeout_seconds=settings.smtp_timeout_seconds,
            )
        )
        if settings.smtp_host
        else None
    )
    sms: SmsProvider = (
        AliyunSms(
            access_key_id=settings.aliyun_access_key_id,
            access_key_secret=settings.aliyun_access_key_secret.get_secret_value(),
            sign_name=settings.aliyun_sign_name,
            template_code=settings.aliyun_template_code,
            endpoint=settings.aliyun_endpoint,
            region_id=settings.aliyun_region_id,
        )
        if settings.sms_provider == "aliyun"
        else LogSms()
    )
    if isinstance(sms, AliyunSms):
        runtime.add_background(_nothing, sms.aclose)
    deliveries = DeliveryStore(runtime.db, email, sms, concurrency=settings.delivery_concurrency)
    delivery_sweep = DueSweeper(
        "notify-deliveries", deliveries.deliver_due, deliveries.next_due, clock, interval_seconds=settings.sweep_seconds
    )
    deliveries.on_due = delivery_sweep.wake
    deliveries.events, deliveries.relay = runtime.events, runtime.relay
    runtime.add_background(delivery_sweep.start, delivery_sweep.stop)
    digests = DigestStore(runtime.db, deliveries, templates)
    digest_sweep = DueSweeper(
        "notify-digests", digests.run_due, digests.next_due, clock, interval_seconds=settings.sweep_seconds
    )
    digests.on_due = digest_sweep.wake
    runtime.add_background(digest_sweep.start, digest_sweep.stop)
    fanout = FanOut(directory, templates, deliveries, digests)
    runtime.consume(build_handlers(store, settings, directory, webhooks, fanout, rule_store, clock))
    runtime.add_background(webhook_sweep.start, webhook_sweep.stop)
    runtime.add_background(_nothing, webhooks.close)

    async def prepare_store() -> None:
        await store.ensure_indexes()
        await directory.ensure_indexes()
        await webhooks.ensure_indexes()
        await deliveries.ensure_indexes()
        await digests.ensure_indexes()
        await rule_store.ensure_indexes()

    return make_app(
        title="Notify",
        description="Each person's inbox; e-mail, SMS and webhooks for integrators.",
        runtime=runtime,
        routers=[router, api_rules.router, api_templates.router, api_webhooks.router, api_deliveries.router],
        prepare_store=prepare_store,
        state={
            "store": store,
            "directory": directory,
            "templates": templates,
            "webhooks": webhooks,
            "webhook_sweep": webhook_sweep,
            "deliveries": deliveries,
            "delivery_sweep": delivery_sweep,
            "digests": digests,
            "digest_sweep": digest_sweep,
            "rules": rule_store,
            "clock": clock,
        },
    )


async def _nothing() -> None:
    return None
