# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an application runs besides its web process: its process types (named
long-running commands, each a systemd template unit with as many instances as
asked), its scheduled jobs (a oneshot service and its timer), its release
command (run once per deploy in the new release) and its one-off commands
(playbook run.yml). Every one runs as the application's user, with its
settings and secrets, in its release's code directory and environment, in the
same sandbox as its app server.

Names: the units of an application NAME are flaskstack-NAME_KIND...: "_" is in
no application name, so that flaskstack-NAME_* is this application's alone.
"""

from __future__ import annotations

import re

# A process type's or a job's name: as an application's.
KIND_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
UNIT_DIR = "/etc/systemd/system"
# Where systemctl enable links an instance of a process type and a timer.
WANTS_DIRS = (f"{UNIT_DIR}/multi-user.target.wants", f"{UNIT_DIR}/timers.target.wants")
PROCESS_KEYS = {"command", "instances", "stop_timeout"}
JOB_KEYS = {"command", "on_calendar", "randomized_delay", "persistent", "timeout"}
DEFAULT_STOP_TIMEOUT = 30
DEFAULT_JOB_TIMEOUT = 3600
# What the output of a one-off command shows instead of a secret's value.
MASK = "********"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_command(value):
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value and "\r" not in value


def unknown_keys(at, spec, allowed):
    """The problem with the keys of a dictionary that are not allowed, if any."""
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        yield f"{at}: unknown key(s) {', '.join(map(repr, unknown))}; allowed keys: {', '.join(sorted(allowed))}."


def _named(where, key, value, kind, example):
    """The problems with a dictionary of named entries (process types, jobs)
    and its entries whose name is valid: (problems, [(at, name, spec)])."""
    if not isinstance(value, dict):
        return [f"{where}.{key}: {value!r} must map {kind} names to {example}."], []
    problems, entries = [], []
    for name, spec in value.items():
        at = f"{where}.{key}.{name}"
        if not isinstance(name, str) or not KIND_NAME_RE.match(name):
            problems.append(f"{at}: {name!r} is not a valid {kind} name; use lower case letters, digits and '-', starting with a letter.")
        else:
            entries.append((at, name, spec))
    return problems, entries


def process_problems(where, processes):
    """The problems with an application's processes: a dictionary of type name
    to a command line, or to {command, instances, stop_timeout}."""
    problems, entries = _named(where, "processes", processes, "process type", "commands, e.g. {worker: 'rq worker'}")
    yield from problems
    for at, _, spec in entries:
        spec = {"command": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict):
            yield f"{at}: must be a command line or a dictionary with keys {', '.join(sorted(PROCESS_KEYS))}."
            continue
        yield from unknown_keys(at, spec, PROCESS_KEYS)
        if not _is_command(spec.get("command")):
            yield f"{at}.command: {spec.get('command')!r} must be a command line (one line)."
        for key in ("instances", "stop_timeout"):
            if key in spec and (not _is_int(spec[key]) or spec[key] < 1):
                yield f"{at}.{key}: {spec[key]!r} must be a whole number of at least 1."


def job_problems(where, jobs, processes=None):
    """The problems with an application's jobs: a dictionary of job name to
    {command, on_calendar, randomized_delay, persistent, timeout}."""
    problems, entries = _named(where, "jobs", jobs, "job", "{command, on_calendar}, e.g. {purge: {command: ..., on_calendar: daily}}")
    yield from problems
    for at, name, spec in entries:
        if isinstance(processes, dict) and name in processes:
            yield f"{at}: {name!r} is also a process type of the application; give the job another name."
        if not isinstance(spec, dict):
            yield f"{at}: must be a dictionary with keys {', '.join(sorted(JOB_KEYS))}."
            continue
        yield from unknown_keys(at, spec, JOB_KEYS)
        if not _is_command(spec.get("command")):
            yield f"{at}.command: {spec.get('command')!r} must be a command line (one line)."
        calendar = spec.get("on_calendar")
        if not isinstance(calendar, str) or not calendar.strip() or "\n" in calendar or "%" in calendar:
            yield f"{at}.on_calendar: {calendar!r} must be a systemd calendar expression, e.g. 'daily' or '*-*-* 03:00:00'."
        for key, low in (("randomized_delay", 0), ("timeout", 1)):
            if key in spec and (not _is_int(spec[key]) or spec[key] < low):
                yield f"{at}.{key}: {spec[key]!r} must be a whole number of seconds of at least {low}."
        if "persistent" in spec and not isinstance(spec["persistent"], bool):
            yield f"{at}.persistent: {spec['persistent']!r} must be true or false."


def processes(app_processes, unit_name):
    """An application's process types with their defaults and unit names
    (unit_name: the application's, flaskstack-NAME), sorted by name."""
    out = []
    for name, spec in sorted((app_processes or {}).items()):
        spec = {"command": spec} if isinstance(spec, str) else dict(spec)
        instances = spec.get("instances", 1)
        template = f"{unit_name}_{name}@.service"
        out.append({
            "name": name,
            "command": spec["command"],
            "exec_start": exec_start(spec["command"]),
            "instances": instances,
            "stop_timeout": spec.get("stop_timeout", DEFAULT_STOP_TIMEOUT),
            "unit": template,
            "instance_units": [template.replace("@.", f"@{i}.") for i in range(1, instances + 1)],
        })  # fmt: skip
    return out


def jobs(app_jobs, unit_name):
    """An application's scheduled jobs with their defaults and unit names, sorted by name."""
    out = []
    for name, spec in sorted((app_jobs or {}).items()):
        out.append({
            "name": name,
            "command": spec["command"],
            "exec_start": exec_start(spec["command"]),
            "on_calendar": spec["on_calendar"],
            "randomized_delay": spec.get("randomized_delay", 0),
            "persistent": spec.get("persistent", True),
            "timeout": spec.get("timeout", DEFAULT_JOB_TIMEOUT),
            "service": f"{unit_name}_{name}.service",
            "timer": f"{unit_name}_{name}.timer",
        })  # fmt: skip
    return out


def exec_start(command):
    """The value of an ExecStart= that runs a command line with bash, as a
    Procfile's commands run: quoted for systemd, which would otherwise expand
    "$VAR" and "%x" itself and split the line on spaces. bash runs a single
    command in its own process (no fork), so that the command is the unit's
    main process and gets its stop signal itself."""
    quoted = command.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'/bin/bash -c "{quoted}"'


def unit_files(apps):
    """The unit files of the applications' process types and jobs, as entries
    of the module flaskstack.deploy.config_files (dest, template and vars)."""
    out = []
    for app in apps:
        for proc in app["processes"]:
            out.append({"dest": f"{UNIT_DIR}/{proc['unit']}", "template": "process.service.j2", "vars": {"item": app, "process": proc}})
        for job in app["jobs"]:
            out.append({"dest": f"{UNIT_DIR}/{job['service']}", "template": "job.service.j2", "vars": {"item": app, "job": job}})
            out.append({"dest": f"{UNIT_DIR}/{job['timer']}", "template": "job.timer.j2", "vars": {"item": app, "job": job}})
    for entry in out:
        entry.update(owner="root", group="root", mode="0644")
    return out


def unit_globs(apps):
    """The patterns of every unit file and enabled link the collection may
    have written for the applications' process types and jobs."""
    return [f"{d}/{app['unit_name']}_*" for app in apps for d in (UNIT_DIR,) + WANTS_DIRS]


def wanted_units(apps):
    """The units that run: every instance of every process type, and every job's timer."""
    return [u for app in apps for proc in app["processes"] for u in proc["instance_units"]] + [
        job["timer"] for app in apps for job in app["jobs"]
    ]


def left_units(apps, found):
    """The process and job units found on the host that the applications no
    longer have: removed process types and jobs, and the instances above a
    process type's count. found: what flaskstack.deploy.stack_info returned
    for its globs (pattern -> paths; only those of unit_globs count). Returns
    {"units": names to stop and disable, "files": unit files to remove}."""
    found_paths = [p for pattern in unit_globs(apps) for p in found.get(pattern) or []]
    keep_files = {f["dest"] for f in unit_files(apps)}
    keep_units = set(wanted_units(apps))
    units, files = [], []
    for path in sorted(found_paths or []):
        directory, _, name = path.rpartition("/")
        if directory == UNIT_DIR:
            if path not in keep_files:
                files.append(path)
                if name.endswith(".timer") or (name.endswith(".service") and "@" not in name):
                    units.append(name)
        elif name not in keep_units:
            units.append(name)
    return {"units": list(dict.fromkeys(units)), "files": files}


def restarts(apps, names, changed_paths=None, states=None):
    """The units to restart after a switch: the process instances of the
    applications named (on a new release or with new settings; a job starts
    on the live release each time anyway) and the units that run of those
    whose unit files changed (changed_units), of them the ones that run now
    (states: unit -> its state as flaskstack.deploy.stack_info reads it; the
    others are started, not restarted)."""
    named = [u for app in apps if app["name"] in (names or []) for proc in app["processes"] for u in proc["instance_units"]]
    return [
        u for u in dict.fromkeys(named + changed_units(apps, changed_paths)) if ((states or {}).get(u) or {}).get("active_state") == "active"
    ]


def changed_units(apps, changed_paths):
    """The units that run (wanted_units) of the applications whose process or
    job unit files are among the changed paths: restarted to run as written."""
    changed = set(changed_paths or [])
    touched = [app for app in apps if any(f["dest"] in changed for f in unit_files([app]))]
    return wanted_units(touched)


def release_command_apps(names, earlier):
    """The applications whose release command this host runs: names, those
    whose new release has one here; earlier, the same lists of the hosts before
    this one in the batch (each command runs once, on the first host that
    builds the release)."""
    taken = {n for host in earlier or [] for n in host or []}
    return [n for n in names if n not in taken]


def redact(text, secrets):
    """text with every secret value (the non-empty ones) replaced by MASK, the
    longest first (so that a secret inside another is masked whole)."""
    text = text or ""
    for value in sorted({str(s) for s in secrets or [] if s is not None and str(s) != ""}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
