# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status view (playbooks/status.yml): what each application of a host is
running and how it is doing, from what stack_info read and what the health
gate saw, without changing anything.

Per application: its live release and since when it is live (the time the
link "current" was made: a switch makes a new link and renames it over the
old one), the previous release, the finished releases kept, the answer of its
health path through the web server, the state of its units (or containers),
its certificate's expiry; per host, the package upgrades apt knows of.
"""

from __future__ import annotations

import datetime
import posixpath

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases

# A certificate that ends within this many days is flagged.
CERTIFICATE_WARNING_DAYS = 14


def _release_of(state, link):
    """The release a link (current, previous) points at, or ""."""
    info = ((state or {}).get("paths") or {}).get(link) or {}
    return posixpath.basename(str(info.get("target") or "").rstrip("/")) if info.get("type") == "link" else ""


def state_request(apps):
    """What stack_info must read for the view: the release links, the
    finished releases' markers, the units, the containers, the certificates
    and the pending upgrades."""
    return {
        "paths": [p for app in apps for p in (app["current_link"], app["previous_link"])],
        "globs": [f"{app['releases_dir']}/*/{releases.RELEASE_MARKER}" for app in apps],
        "units": [unit for app in apps for unit in app["app_units"] + _process_units(app)],
        "containers": [app["name"] for app in apps if app["runtime"] == "container"],
        "certificates": [app["tls_cert_path"] for app in apps if app["tls"]],
        "upgrades": True,
    }


def _process_units(app):
    """The units of an application's process types and jobs (each job's timer and service)."""
    return [u for p in app.get("processes") or [] for u in p["instance_units"]] + [
        u for j in app.get("jobs") or [] for u in (j["timer"], j["service"])
    ]


def health_steps(apps, state):
    """For the health gate (releases.health_spec): each application with a live
    release, which must be the one that answers."""
    steps = []
    for app in apps:
        live = _release_of(state, app["current_link"])
        if live:
            steps.append({"name": app["name"], "app": app, "release": live, "from": ""})
    return steps


def _when(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _ago(seconds):
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def app_status(app, state, health, now):
    """One application's status: a dictionary, and the lines that show it."""
    paths = (state or {}).get("paths") or {}
    live = _release_of(state, app["current_link"])
    since = (paths.get(app["current_link"]) or {}).get("mtime") if live else None
    markers = ((state or {}).get("globs") or {}).get(f"{app['releases_dir']}/*/{releases.RELEASE_MARKER}") or []
    kept = sorted(
        ({"id": posixpath.basename(posixpath.dirname(m)), "built": (paths.get(m) or {}).get("mtime") or 0} for m in markers),
        key=lambda r: r["built"], reverse=True,
    )  # fmt: skip
    units = (state or {}).get("units") or {}
    answer = health or {}
    health_ok = bool(answer.get("passed"))
    out = {
        "name": app["name"],
        "app_server": app["app_server"],
        "runtime": app["runtime"],
        "live": live or None,
        "live_since": since,
        "previous": _release_of(state, app["previous_link"]) or None,
        "releases": [r["id"] for r in kept],
        "health": {"ok": health_ok, "status": answer.get("last_status"), "release": answer.get("last_release"), "error": answer.get("last_error")},
        "units": {u: (state.get("units") or {}).get(u) or {} for u in app["app_units"]},
        "containers": ((state or {}).get("containers") or {}).get(app["name"], []) if app["runtime"] == "container" else [],
        "processes": {u: units.get(u) or {} for p in app.get("processes") or [] for u in p["instance_units"]},
        "jobs": {
            j["name"]: {"timer": units.get(j["timer"]) or {}, "last_run_failed": (units.get(j["service"]) or {}).get("active_state") == "failed"}
            for j in app.get("jobs") or []
        },
        "certificate": None,
    }
    if app["tls"]:
        cert = ((state or {}).get("certificates") or {}).get(app["tls_cert_path"]) or {}
        end = cert.get("not_after")
        out["certificate"] = {"not_after": end, "days_left": int((end - now) // 86400) if end else None}

    where = f"{app['app_server']} in a container" if app["runtime"] == "container" else app["app_server"]
    lines = [f"{app['name']} ({where})"]
    if live:
        lines.append(f"  live: {live} since {_when(since)} ({_ago(now - since)})" if since else f"  live: {live}")
    else:
        lines.append("  live: none (not deployed on this host)")
    lines.append(f"  previous: {out['previous'] or 'none'}; releases kept: {', '.join(out['releases']) or 'none'}")
    if live and health_ok:
        lines.append(f"  health: {answer.get('last_status')} from {answer.get('last_release')}")
    elif live and answer.get("last_status") is not None:
        named = answer.get("last_release") or "no release"
        lines.append(f"  health: FAILING, {answer.get('last_status')} from {named} (the live release is {live})")
    elif live:
        lines.append(f"  health: FAILING, no answer ({answer.get('last_error') or 'not asked'})")
    for unit, info in out["units"].items():
        since_unit = f" since {info['active_since']}" if info.get("active_state") == "active" and info.get("active_since") else ""
        flag = "" if info.get("active_state") == "active" else " (NOT RUNNING)"
        lines.append(f"  unit {unit}: {info.get('active_state', 'unknown')} ({info.get('sub_state', '')}){since_unit}{flag}")
    for unit, info in out["processes"].items():
        flag = "" if info.get("active_state") == "active" else " (NOT RUNNING)"
        lines.append(f"  process {unit}: {info.get('active_state', 'unknown')} ({info.get('sub_state', '')}){flag}")
    for name, job in out["jobs"].items():
        flag = " (NOT SCHEDULED)" if job["timer"].get("active_state") != "active" else ""
        last = "FAILED" if job["last_run_failed"] else "ok or not run yet"
        lines.append(f"  job {name}: timer {job['timer'].get('active_state', 'unknown')}{flag}; last run {last}")
    if app["runtime"] == "container":
        running = [c for c in out["containers"] if c["state"] == "running"]
        for container in out["containers"]:
            lines.append(f"  container {container['name']}: {container['state']} ({container['status']}), release {container['release']}")
        if not running:
            lines.append("  container: NONE RUNNING")
    if out["certificate"]:
        days = out["certificate"]["days_left"]
        if days is None:
            lines.append(f"  certificate: unreadable ({app['tls_cert_path']})")
        else:
            flag = " (EXPIRES SOON)" if days < CERTIFICATE_WARNING_DAYS else ""
            lines.append(f"  certificate: expires {_when(out['certificate']['not_after'])} (in {days} days){flag}")
    return out, lines


def report(apps, state, gate_result):
    """The status of every application of a host, and of the host:
    {"apps": [...], "upgrades": {...} or None, "lines": [...]} (state: what
    stack_info read, at the host's time "time"; gate_result: the health gate
    task's result)."""
    gate = releases.gate_reports(gate_result)
    now = (state or {}).get("time") or 0
    statuses, lines = [], []
    upgrades = (state or {}).get("upgrades")
    if upgrades is None:
        lines.append("packages: apt-get could not say which upgrades are pending")
    else:
        lines.append(
            f"packages: {upgrades['count']} upgrades pending ({upgrades['security']} from a security archive),"
            " as of the host's last apt-get update"
        )
    for app in apps:
        status, app_lines = app_status(app, state, gate.get(app["name"]), now)
        statuses.append(status)
        lines.extend(app_lines)
    return {"apps": statuses, "upgrades": upgrades, "lines": lines}
