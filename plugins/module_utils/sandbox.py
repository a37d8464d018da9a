# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systemd sandbox of the units that run an application's code."""

from __future__ import annotations

import re


class SandboxError(ValueError):
    """An override that is not a systemd setting."""


# systemd's sandbox for an app server's unit: what the application may see and
# do. "systemd-analyze security" rated an app server's unit with these settings 1.2
# (OK) on Debian 12; without them 8.7 (EXPOSED). PrivateUsers is left out: it fails in
# containers ("Failed to set up user namespacing"); on a VM add it through the
# overrides.
SANDBOX = {
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "DevicePolicy": "closed",
    "ProtectHostname": "yes",
    "ProtectClock": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "ProtectProc": "invisible",
    "ProcSubset": "pid",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "RemoveIPC": "yes",
    "KeyringMode": "private",
    "UMask": "0027",
    "SystemCallArchitectures": "native",
    "SystemCallFilter": ["@system-service", "~@privileged @resources"],
    # A forbidden system call fails with "operation not permitted" instead of
    # killing the process.
    "SystemCallErrorNumber": "EPERM",
}
def run_settings(app, code_dir, wsgi_dir, venv_dir):
    """What a unit that runs an application's code sets besides its sandbox,
    as (setting, value) pairs: the application's user, its settings and
    secrets, the code directory, and the environment first on PATH."""
    return [
        ("User", app["user"]),
        ("Group", app["group"]),
        ("EnvironmentFile", app["env_file"]),
        ("EnvironmentFile", app["secrets_file"]),
        ("WorkingDirectory", code_dir),
        ("Environment", f"PYTHONPATH={wsgi_dir}:{code_dir}"),
        ("Environment", f"PATH={venv_dir}/bin:/usr/local/bin:/usr/bin:/bin"),
        ("Environment", f"VIRTUAL_ENV={venv_dir}"),
    ]


def systemd_sandbox(app, overrides=None, live_release=False):
    """The sandbox settings ("Key=Value" lines) of a unit that runs an
    application (an app_layouts entry): its writable_paths become
    ReadWritePaths. overrides: a dictionary of settings over these (a list
    value repeats the setting; null leaves it out). live_release: the lines
    start with run_settings for the live release (its paths through
    "current"), for a unit that runs the application's own commands."""
    settings = dict(SANDBOX)
    writable = list(app["writable_paths"])
    if writable:
        # "-": a path that does not exist yet is skipped instead of failing the unit.
        settings["ReadWritePaths"] = " ".join(f"-{p}" for p in dict.fromkeys(writable))
    for key, value in (overrides or {}).items():
        if not isinstance(key, str) or not re.match(r"^[A-Z][A-Za-z]+$", key):
            raise SandboxError(f"systemd_sandbox: {key!r} is not a systemd setting name.")
        settings[key] = value
    lines = []
    if live_release:
        for key, value in run_settings(app, app["code_dir"], app["wsgi_dir"], app["venv_dir"]):
            lines.append(f'{key}="{value}"' if key == "Environment" else f"{key}={value}")
    for key, value in settings.items():
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, bool):
                one = "yes" if one else "no"
            lines.append(f"{key}={one}")
    return lines


def run_as_app(release, overrides=None):
    """The command prefix that runs a command of a new release (an entry of
    releases.release()) as its app server will run it: the application's user
    and settings, the release's code directory and virtualenv, the sandbox, in a
    transient systemd unit whose exit status and output it passes on."""
    app = release["app"]
    argv = ["systemd-run", "--quiet", "--wait", "--pipe", "--collect", "--service-type=exec"]
    for key, value in run_settings(app, release["code_dir"], release["wsgi_dir"], release["venv_dir"]):
        if key == "WorkingDirectory":
            argv.append(f"--working-directory={value}")
        elif key == "Environment":
            argv.append(f"--setenv={value}")
        else:
            argv.append(f"--property={key}={value}")
    return argv + [f"--property={line}" for line in systemd_sandbox(app, overrides)]


def live_command(app, command, overrides=None):
    """The command line (argv) that runs a shell command in an application's
    live release (an app_layouts entry: its paths go through "current") as
    run_as_app runs a new release's checks."""
    live = {"app": app, "code_dir": app["code_dir"], "wsgi_dir": app["wsgi_dir"], "venv_dir": app["venv_dir"]}
    return run_as_app(live, overrides) + ["/bin/sh", "-c", command]
