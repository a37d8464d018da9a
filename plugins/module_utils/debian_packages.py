# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian packages installed with apt-get, which needs no python3-apt (module
debian_packages): so that check mode works on a host where nothing was set up
yet, and reports what a real run would install."""

from __future__ import annotations

import glob
import os
import re
import time

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state

# apt-get without questions; a changed configuration file of a package keeps the host's.
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C.UTF-8"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_INST_RE = re.compile(r"^Inst (\S+)", re.MULTILINE)
_UNKNOWN_RE = re.compile(r"Unable to locate package (\S+)|Package '?(\S+?)'? has no installation candidate")


class PackageError(ValueError):
    """A name that is not a Debian package name."""


def install_argv(names, install_recommends=True, simulate=False):
    """apt-get's command that installs the packages (or only says what it would do)."""
    bad = [n for n in names if not isinstance(n, str) or not NAME_RE.match(n)]
    if bad:
        raise PackageError(f"debian_packages: {', '.join(map(repr, bad))} are not Debian package names.")
    argv = ["apt-get", "install", "--yes", "--quiet", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
    if not install_recommends:
        argv.append("--no-install-recommends")
    if simulate:
        argv.append("--simulate")
    return argv + list(names)


def simulated(output):
    """The packages that apt-get --simulate says it would install ("Inst NAME ...")."""
    return _INST_RE.findall(output)


def unknown(output):
    """The packages apt-get does not know (its package lists are missing or old)."""
    return [a or b for a, b in _UNKNOWN_RE.findall(output)]


def lists_age(lists_dir="/var/lib/apt/lists"):
    """Seconds since apt's package lists were last fetched (None: never)."""
    lists = glob.glob(os.path.join(lists_dir, "*_Packages*"))
    return time.time() - max(os.path.getmtime(p) for p in lists) if lists else None


def ensure(names, run, check_mode=False, install_recommends=True, update_cache=False, cache_valid_time=0, lists_dir="/var/lib/apt/lists"):
    """Install the packages of names that are not installed. run(argv) returns
    (rc, stdout, stderr). Returns {"changed", "missing", "installed", "msg",
    "failed"}: in check mode, "installed" is what apt-get would install (the
    packages and what they bring), found without changing the host.
    update_cache: fetch the package lists first, unless they are younger than
    cache_valid_time seconds."""
    names = list(dict.fromkeys(names))
    versions = host_state.package_versions(names, run)
    missing = [n for n in names if versions[n] is None]
    out = {"changed": False, "missing": missing, "installed": [], "failed": False, "msg": ""}
    if not missing:
        out["msg"] = "every package is installed"
        return out
    if check_mode:
        rc, stdout, stderr = run(install_argv(missing, install_recommends, simulate=True))
        # Without package lists (a host never updated), apt-get cannot tell what
        # comes along; a real run updates them first.
        out.update(changed=True, installed=simulated(stdout) if rc == 0 else missing)
        out["msg"] = f"would install {', '.join(missing)}" + ("" if rc == 0 else " (after apt-get update; it cannot tell what comes along yet)")
        return out
    updated = False
    age = lists_age(lists_dir)
    if update_cache and (age is None or age > cache_valid_time):
        rc, stdout, stderr = run(["apt-get", "update", "--quiet"])
        if rc != 0:
            return dict(out, failed=True, msg=f"apt-get update failed: {(stderr or stdout).strip()[-2000:]}")
        updated = True
    while True:
        rc, stdout, stderr = run(install_argv(missing, install_recommends))
        if rc == 0:
            return dict(out, changed=True, installed=simulated(stdout) or missing, msg=f"installed {', '.join(missing)}")
        if updated or not unknown(stdout + stderr):
            return dict(out, failed=True, msg=f"apt-get could not install {', '.join(missing)}: {(stderr or stdout).strip()[-2000:]}")
        # Package lists that do not know a package yet: update them once, and try again.
        rc, stdout, stderr = run(["apt-get", "update", "--quiet"])
        if rc != 0:
            return dict(out, failed=True, msg=f"apt-get update failed: {(stderr or stdout).strip()[-2000:]}")
        updated = True
