"""Unit tests for the status view (module_utils/status.py): what it reads, what it asks, what it shows."""

import json

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout, status

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC


def apps():
    return layout.app_layouts(
        [
            {"name": "demo", "source": {"path": "/src"}, "entry_point": "demo:app", "server_names": ["demo.test"]},
            {"name": "shop", "source": {"path": "/src"}, "entry_point": "demo:app", "server_names": ["shop.test"], "runtime": "container", "tls": False},
            {"name": "new", "source": {"path": "/src"}, "entry_point": "demo:app", "server_names": ["new.test"], "app_server": "uwsgi"},
        ]
    )


def state():
    return {
        "time": NOW,
        "paths": {
            "/srv/flaskstack/demo/current": {"exists": True, "type": "link", "target": "releases/bbbbbbbbbbbb", "mtime": NOW - 7200},
            "/srv/flaskstack/demo/previous": {"exists": True, "type": "link", "target": "releases/aaaaaaaaaaaa", "mtime": NOW - 7200},
            "/srv/flaskstack/demo/releases/aaaaaaaaaaaa/.flaskstack-release": {"exists": True, "type": "file", "mtime": NOW - 90000},
            "/srv/flaskstack/demo/releases/bbbbbbbbbbbb/.flaskstack-release": {"exists": True, "type": "file", "mtime": NOW - 7300},
            "/srv/flaskstack/shop/current": {"exists": True, "type": "link", "target": "releases/cccccccccccc", "mtime": NOW - 30},
            "/srv/flaskstack/shop/previous": {"exists": False},
            "/srv/flaskstack/new/current": {"exists": False},
            "/srv/flaskstack/new/previous": {"exists": False},
        },
        "globs": {
            "/srv/flaskstack/demo/releases/*/.flaskstack-release": [
                "/srv/flaskstack/demo/releases/aaaaaaaaaaaa/.flaskstack-release",
                "/srv/flaskstack/demo/releases/bbbbbbbbbbbb/.flaskstack-release",
            ],
        },
        "units": {
            "flaskstack-demo.socket": {"active_state": "active", "sub_state": "listening", "active_since": "Fri 2027-01-15 06:00:00 UTC"},
            "flaskstack-demo.service": {"active_state": "failed", "sub_state": "failed"},
            "flaskstack-new.socket": {"active_state": "inactive", "sub_state": "dead"},
            "flaskstack-new.service": {"active_state": "inactive", "sub_state": "dead"},
        },
        "containers": {"shop": [{"name": "flaskstack-shop-1", "state": "running", "status": "Up 30 seconds", "release": "cccccccccccc"}]},
        "certificates": {"/etc/flaskstack/tls/demo/fullchain.pem": {"not_after": NOW + 10 * 86400 + 60}},
        "upgrades": {"count": 3, "security": 1},
    }


def test_what_the_view_reads():
    wanted = status.state_request(apps())
    assert "/srv/flaskstack/demo/current" in wanted["paths"] and "/srv/flaskstack/shop/previous" in wanted["paths"]
    assert "/srv/flaskstack/new/releases/*/.flaskstack-release" in wanted["globs"]
    assert wanted["units"] == ["flaskstack-demo.socket", "flaskstack-demo.service", "flaskstack-new.socket", "flaskstack-new.service"]
    assert wanted["containers"] == ["shop"] and wanted["upgrades"] is True
    # Only the applications with HTTPS have a certificate to read.
    assert wanted["certificates"] == ["/etc/flaskstack/tls/demo/fullchain.pem", "/etc/flaskstack/tls/new/fullchain.pem"]


def test_the_live_releases_must_answer_their_health():
    steps = status.health_steps(apps(), state())
    assert [(s["name"], s["release"]) for s in steps] == [("demo", "bbbbbbbbbbbb"), ("shop", "cccccccccccc")]


def test_the_view():
    gate = {"stdout": json.dumps({"passed": False, "apps": [
        {"name": "demo", "passed": False, "last_status": 502, "last_release": None, "last_error": None},
        {"name": "shop", "passed": True, "last_status": 200, "last_release": "cccccccccccc", "last_error": None},
    ]})}  # fmt: skip
    view = status.report(apps(), state(), gate)
    demo, shop, new = view["apps"]
    assert (demo["live"], demo["previous"], demo["releases"]) == ("bbbbbbbbbbbb", "aaaaaaaaaaaa", ["bbbbbbbbbbbb", "aaaaaaaaaaaa"])
    assert demo["live_since"] == NOW - 7200 and not demo["health"]["ok"] and demo["certificate"]["days_left"] == 10
    assert shop["health"] == {"ok": True, "status": 200, "release": "cccccccccccc", "error": None} and shop["certificate"] is None
    assert new["live"] is None and view["upgrades"] == {"count": 3, "security": 1}
    text = "\n".join(view["lines"])
    for expected in (
        "packages: 3 upgrades pending (1 from a security archive), as of the host's last apt-get update",
        "demo (gunicorn)\n  live: bbbbbbbbbbbb since 2027-01-15 06:00 UTC (2 h ago)",
        "previous: aaaaaaaaaaaa; releases kept: bbbbbbbbbbbb, aaaaaaaaaaaa",
        "health: FAILING, 502 from no release (the live release is bbbbbbbbbbbb)",
        "unit flaskstack-demo.socket: active (listening) since Fri 2027-01-15 06:00:00 UTC",
        "unit flaskstack-demo.service: failed (failed) (NOT RUNNING)",
        "certificate: expires 2027-01-25 08:01 UTC (in 10 days) (EXPIRES SOON)",
        "shop (gunicorn in a container)\n  live: cccccccccccc since 2027-01-15 07:59 UTC (30 s ago)",
        "health: 200 from cccccccccccc",
        "container flaskstack-shop-1: running (Up 30 seconds), release cccccccccccc",
        "new (uwsgi)\n  live: none (not deployed on this host)",
    ):
        assert expected in text, (expected, text)


def test_a_host_where_apt_cannot_say_and_an_app_not_asked():
    quiet = dict(state(), upgrades=None)
    view = status.report(apps()[:1], quiet, {})
    assert view["lines"][0] == "packages: apt-get could not say which upgrades are pending"
    assert "  health: FAILING, no answer (not asked)" in view["lines"]


def test_process_types_and_jobs_in_the_view():
    (demo,) = layout.app_layouts([{
        "name": "demo", "source": {"path": "/src"}, "entry_point": "demo:app", "processes": {"worker": "rq worker"},
        "jobs": {"tick": {"command": "flask tick", "on_calendar": "hourly"}},
    }])  # fmt: skip
    assert status.state_request([demo])["units"] == [
        "flaskstack-demo.socket", "flaskstack-demo.service", "flaskstack-demo_worker@1.service",
        "flaskstack-demo_tick.timer", "flaskstack-demo_tick.service",
    ]  # fmt: skip
    read = dict(state(), units={
        "flaskstack-demo_worker@1.service": {"active_state": "activating", "sub_state": "auto-restart"},
        "flaskstack-demo_tick.timer": {"active_state": "active", "sub_state": "waiting"},
        "flaskstack-demo_tick.service": {"active_state": "failed", "sub_state": "failed"},
    })  # fmt: skip
    shown, lines = status.app_status(demo, read, {}, NOW)
    assert shown["jobs"] == {"tick": {"timer": read["units"]["flaskstack-demo_tick.timer"], "last_run_failed": True}}
    assert "  process flaskstack-demo_worker@1.service: activating (auto-restart) (NOT RUNNING)" in lines
    assert "  job tick: timer active; last run FAILED" in lines
