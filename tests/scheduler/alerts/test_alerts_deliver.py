"""Delivering alerts through Apprise to a real HTTP receiver on 127.0.0.1, with retries."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest

from archive.catalog import CaptureRecord, Catalog, ChangeRecord, CitationRecord, open_catalog
from scheduler.alerts import (
    AppriseNotifier,
    Backoff,
    DeliveryError,
    DeliveryReport,
    deliver_due,
    render_alert,
)
from tests.scheduler.alerts.alert_receiver import ALERTS_T0 as T0
from tests.scheduler.alerts.alert_receiver import AlertClock, Receiver

URL = "https://gov.example/statement"


def a_change(catalog: Catalog) -> int:
    catalog.add_article(
        origin="https://news.example/fees",
        title="Fees frozen",
        kind="url-html",
        citations=[CitationRecord(URL, "statement", "The ministry said…", ("will not raise fees",))],
    )
    [source] = catalog.sources_for_urls([URL])
    before = catalog.record_capture(
        CaptureRecord(
            role="source", source_id=source.id, url=URL, captured_at=T0 - timedelta(days=1), status=200
        )
    )
    after = catalog.record_capture(
        CaptureRecord(role="source", source_id=source.id, url=URL, captured_at=T0, status=404)
    )
    return catalog.record_change(
        ChangeRecord(
            source.id, "deleted", T0, before, after, "404 Not Found", (), (), ("will not raise fees",)
        )
    )


def alert(catalog: Catalog, targets: list[str]) -> int:
    change_id = a_change(catalog)
    [change] = catalog.list_changes()
    title, body = render_alert(change)
    alert_id = catalog.create_alert(change_id, title=title, text=body, targets=targets)
    assert alert_id is not None
    return alert_id


def channels(catalog: Catalog) -> list[tuple[str, int]]:
    [view] = catalog.list_alerts()
    return [(c.state, c.attempts) for c in view.channels]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_one_post_per_delivery_with_title_and_body(alerts_catalog: Catalog, receiver: Receiver) -> None:
    alert(alerts_catalog, [receiver.url("desk"), receiver.url("editor")])
    report = deliver_due(alerts_catalog, AppriseNotifier(), now=T0)
    assert report == DeliveryReport(delivered=2)
    assert sorted(p.path for p in receiver.posts) == ["/desk", "/editor"]
    payload = receiver.posts[0].payload
    assert payload["title"] == f"citewatch: deleted — {URL}"
    assert payload["message"].startswith('Quoted passages no longer on the page:\n> "will not raise fees"')
    assert "Fees frozen (https://news.example/fees)" in payload["message"]
    assert channels(alerts_catalog) == [("delivered", 1), ("delivered", 1)]
    # Nothing is due any more: a second run sends nothing.
    assert deliver_due(alerts_catalog, AppriseNotifier(), now=T0 + timedelta(days=1)) == DeliveryReport()
    assert len(receiver.posts) == 2


def test_server_error_is_retried_with_backoff(alerts_catalog: Catalog, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    alert(alerts_catalog, [receiver.url()])
    notifier = AppriseNotifier()

    assert deliver_due(alerts_catalog, notifier, now=T0) == DeliveryReport(retrying=1)
    [channel] = alerts_catalog.list_alerts()[0].channels
    assert (channel.state, channel.attempts, channel.next_attempt_at) == (
        "pending",
        1,
        T0 + timedelta(minutes=1),
    )
    assert channel.last_error is not None and "500" in channel.last_error

    assert deliver_due(alerts_catalog, notifier, now=T0 + timedelta(seconds=59)) == DeliveryReport()
    assert deliver_due(alerts_catalog, notifier, now=T0 + timedelta(minutes=1)) == DeliveryReport(retrying=1)
    [channel] = alerts_catalog.list_alerts()[0].channels
    assert (channel.attempts, channel.next_attempt_at) == (2, T0 + timedelta(minutes=3))
    assert channel.last_error is not None and "503" in channel.last_error

    assert deliver_due(alerts_catalog, notifier, now=T0 + timedelta(minutes=3)) == DeliveryReport(delivered=1)
    assert channels(alerts_catalog) == [("delivered", 3)]
    assert len(receiver.posts) == 3


def test_gives_up_after_max_attempts(alerts_catalog: Catalog, receiver: Receiver) -> None:
    receiver.statuses = [500] * 10
    alert(alerts_catalog, [receiver.url()])
    backoff = Backoff(base=timedelta(seconds=10), max_attempts=2)
    assert deliver_due(alerts_catalog, AppriseNotifier(), now=T0, backoff=backoff).retrying == 1
    later = T0 + timedelta(seconds=10)
    assert deliver_due(alerts_catalog, AppriseNotifier(), now=later, backoff=backoff) == DeliveryReport(
        failed=1
    )
    assert deliver_due(alerts_catalog, AppriseNotifier(), now=T0 + timedelta(days=1), backoff=backoff) == (
        DeliveryReport()
    )
    [channel] = alerts_catalog.list_alerts()[0].channels
    assert (channel.state, channel.attempts, channel.next_attempt_at) == ("failed", 2, None)
    assert len(receiver.posts) == 2


def test_unreachable_and_invalid_targets_are_delivery_errors(
    alerts_catalog: Catalog, receiver: Receiver
) -> None:
    notifier = AppriseNotifier(timeout=5)
    with pytest.raises(DeliveryError, match="could not deliver"):
        notifier.send(f"json://127.0.0.1:{free_port()}/nobody", "t", "b")
    with pytest.raises(DeliveryError, match="not a notification URL Apprise understands") as info:
        notifier.send("nosuchscheme://user:hunter2hunter2@host/x", "t", "b")
    assert "hunter2hunter2" not in str(info.value)
    # A bad target fails alone; the good one is still delivered.
    alert(alerts_catalog, ["nosuchscheme://x/y", receiver.url()])
    assert deliver_due(alerts_catalog, notifier, now=T0) == DeliveryReport(delivered=1, retrying=1)
    assert len(receiver.posts) == 1


def test_create_alert_twice_sends_once(alerts_catalog: Catalog, receiver: Receiver) -> None:
    alert(alerts_catalog, [receiver.url()])
    [change] = alerts_catalog.list_changes()
    assert (
        alerts_catalog.create_alert(change.id, title="again", text="again", targets=[receiver.url()]) is None
    )
    deliver_due(alerts_catalog, AppriseNotifier(), now=T0)
    assert len(receiver.posts) == 1 and len(alerts_catalog.list_alerts()) == 1


def test_two_delivering_processes_never_double_send(
    alerts_catalog: Catalog, alerts_db_url: str, alert_clock: AlertClock, receiver: Receiver
) -> None:
    paths = [f"t{i}" for i in range(24)]
    alert(alerts_catalog, [receiver.url(p) for p in paths])
    other = open_catalog(alerts_db_url, clock=alert_clock)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def run(catalog: Catalog) -> None:
        try:
            reports.append(deliver_due(catalog, AppriseNotifier(), now=T0, batch=3))
        except BaseException as exc:  # collected so the main thread can report it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in (alerts_catalog, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    assert sorted(p.path for p in receiver.posts) == sorted(f"/{p}" for p in paths)
    assert sum(r.delivered for r in reports) == 24
    assert set(channels(alerts_catalog)) == {("delivered", 1)}


def test_stale_sending_is_requeued_and_sent(
    alerts_catalog: Catalog, alert_clock: AlertClock, receiver: Receiver
) -> None:
    alert(alerts_catalog, [receiver.url()])
    [claimed] = alerts_catalog.claim_due_deliveries(T0)  # then the process "dies"
    assert deliver_due(alerts_catalog, AppriseNotifier(), now=T0 + timedelta(minutes=5)) == DeliveryReport()
    alert_clock.advance(minutes=20)
    report = deliver_due(alerts_catalog, AppriseNotifier(), now=T0 + timedelta(minutes=20))
    assert report == DeliveryReport(delivered=1, requeued=1)
    assert channels(alerts_catalog) == [("delivered", 2)] and claimed.attempts == 1
    assert len(receiver.posts) == 1


def test_each_delivery_is_claimed_just_before_it_is_sent(alerts_catalog: Catalog) -> None:
    """None waits claimed behind another's send: a slow target cannot age the rest of a batch into
    'stale' for another delivering process to send again."""
    alert(alerts_catalog, [f"json://127.0.0.1:9/t{i}" for i in range(3)])
    claimed_while_sending: list[int] = []

    class Watching:
        def send(self, target: str, title: str, body: str) -> None:
            [view] = alerts_catalog.list_alerts()
            claimed_while_sending.append(sum(c.state == "sending" for c in view.channels))

    assert deliver_due(alerts_catalog, Watching(), now=T0) == DeliveryReport(delivered=3)
    assert claimed_while_sending == [1, 1, 1]
