"""`make bench`: throughput and latency of the spine (outbox → RabbitMQ → consumer) on this machine.

Two measurements, each in its own bus namespace and databases, removed afterwards:

1. `bench.spine` — one process, one ServiceRuntime: N aggregate documents with one pending outbox
   entry each, relayed to the broker and consumed back into a collection.
2. `bench.e2e` — the five services as separate processes (LocalSuite), driven over HTTP at a steady
   rate: submit → register, then the time until the deputy's inbox shows the notification.

`python -m bench --help` lists the knobs; the numbers also land in `.run/bench.json`.
"""
