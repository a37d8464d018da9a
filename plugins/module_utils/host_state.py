# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles need to know about a host, read in one call (module stack_info).

Every function here only reads. Commands run through a runner, a callable
(argv) -> (rc, stdout, stderr), so that the module passes AnsibleModule.run_command
and the unit tests a real subprocess.
"""

from __future__ import annotations

import glob
import grp
import hashlib
import os
import pwd
import re
import stat
import sys
import time

from ansible_collections.flaskstack.deploy.plugins.module_utils.containers import LABEL_APP, LABEL_RELEASE
from ansible_collections.flaskstack.deploy.plugins.module_utils.releases import read_text, requirements_digest

# Files larger than this are stat'ed but not digested or read.
MAX_CONTENT = 4 * 1024 * 1024
UNIT_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "ActiveEnterTimestamp")


def _sha1(path):
    digest = hashlib.sha1()  # noqa: S324 - the same digest as ansible.builtin.stat's checksum
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _name(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def stat_path(path, checksum=True):
    """lstat of one path, as a dictionary: exists, type, mode, owner, group,
    target (links) and, for regular files when asked, checksum (SHA-1, as
    ansible.builtin.stat reports it)."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return {"exists": False}
    kind = (
        "link"
        if stat.S_ISLNK(st.st_mode)
        else "directory"
        if stat.S_ISDIR(st.st_mode)
        else "file"
        if stat.S_ISREG(st.st_mode)
        else "socket"
        if stat.S_ISSOCK(st.st_mode)
        else "other"
    )
    info = {
        "exists": True,
        "type": kind,
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        "owner": _name(lambda i: (pwd.getpwuid(i).pw_name,), st.st_uid),
        "group": _name(lambda i: (grp.getgrgid(i).gr_name,), st.st_gid),
        "size": st.st_size,
        "mtime": st.st_mtime,
    }
    if kind == "link":
        info["target"] = os.readlink(path)
    elif kind == "file" and checksum and st.st_size <= MAX_CONTENT:
        try:
            info["checksum"] = _sha1(path)
        except OSError:
            pass
    return info


def expand_globs(patterns):
    """Each pattern with the paths it matches, sorted (hidden files included)."""
    out = {}
    for pattern in patterns:
        matches = set(glob.glob(pattern))
        # glob leaves out names that start with a dot unless the pattern does.
        base = os.path.basename(pattern)
        if base.startswith("*"):
            matches.update(glob.glob(os.path.join(os.path.dirname(pattern), "." + base)))
        out[pattern] = sorted(matches)
    return out


def unit_states(units, run):
    """systemd's view of each unit: load_state, active_state, sub_state,
    unit_file_state and main_pid (one "systemctl show" for all of them)."""
    units = list(dict.fromkeys(units))
    if not units:
        return {}
    rc, out, _ = run(["systemctl", "show", "--property=" + ",".join(UNIT_PROPERTIES), "--", *units])
    states = {unit: {"load_state": "not-found", "active_state": "inactive"} for unit in units}
    if rc != 0:
        return states
    # One block per unit, in the order asked, separated by empty lines.
    blocks = [b for b in re.split(r"\n\s*\n", out.strip()) if b.strip()]
    for unit, block in zip(units, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        states[unit] = {
            "load_state": props.get("LoadState", ""),
            "active_state": props.get("ActiveState", ""),
            "sub_state": props.get("SubState", ""),
            "unit_file_state": props.get("UnitFileState", ""),
            "main_pid": int(props.get("MainPID", "0") or 0),
            # When it last became active ("" when it never did), as systemd writes it.
            "active_since": props.get("ActiveEnterTimestamp", ""),
        }
    return states


def container_states(apps, run):
    """Per application of the container runtime, its containers (running or
    not): name, state, status (the engine's words, "Up 5 minutes") and the
    release it runs; none where the engine is not installed."""
    out = {app: [] for app in dict.fromkeys(apps)}
    if not out:
        return out
    fmt = "{{.Names}}\t{{.State}}\t{{.Status}}\t{{.Label \"%s\"}}\t{{.Label \"%s\"}}" % (LABEL_APP, LABEL_RELEASE)
    try:
        rc, text, _ = run(["docker", "ps", "--all", "--filter", f"label={LABEL_APP}", "--format", fmt])
    except OSError:
        return out
    if rc != 0:
        return out
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 5 and fields[3] in out:
            out[fields[3]].append({"name": fields[0], "state": fields[1], "status": fields[2], "release": fields[4]})
    return out


def count_upgrades(text):
    """What "apt-get --simulate dist-upgrade" would install: {"count", "security"}
    (the packages, and those from a security archive)."""
    installs = [line for line in text.splitlines() if line.startswith("Inst ")]
    return {"count": len(installs), "security": sum(1 for line in installs if re.search(r"[-/]security\b|Debian-Security", line))}


def pending_upgrades(run):
    """The package upgrades apt knows of (as of the host's last apt-get update;
    nothing is downloaded), or None when apt-get cannot say."""
    try:
        rc, text, _ = run(["apt-get", "--simulate", "--quiet", "-o", "Debug::NoLocking=true", "dist-upgrade"])
    except OSError:
        return None
    return count_upgrades(text) if rc == 0 else None


def package_versions(names, run):
    """The installed version of each Debian package, or None."""
    names = list(dict.fromkeys(names))
    versions = {name: None for name in names}
    if not names:
        return versions
    _, out, _ = run(["dpkg-query", "--show", "--showformat=${Package}\t${db:Status-Abbrev}\t${Version}\n", "--", *names])
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].startswith("ii"):
            versions[parts[0].split(":")[0]] = parts[2]
    return versions


def user_entries(names):
    """Each user's passwd entry, or None."""
    out = {}
    for name in dict.fromkeys(names):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            out[name] = None
            continue
        out[name] = {
            "uid": entry.pw_uid,
            "group": _name(lambda i: (grp.getgrgid(i).gr_name,), entry.pw_gid),
            "home": entry.pw_dir,
            "shell": entry.pw_shell,
            "comment": entry.pw_gecos,
        }
    return out


def group_entries(names):
    """Each group's id, or None."""
    out = {}
    for name in dict.fromkeys(names):
        try:
            out[name] = {"gid": grp.getgrnam(name).gr_gid}
        except KeyError:
            out[name] = None
    return out


def certificate_info(paths, run):
    """For each PEM certificate that exists: its DNS and IP names, its end
    (seconds since the epoch) and whether it is self-signed (read with openssl)."""
    out = {}
    for path in dict.fromkeys(paths):
        if not os.path.isfile(path):
            out[path] = None
            continue
        rc, text, _ = run(["openssl", "x509", "-in", path, "-noout", "-enddate", "-subject", "-issuer", "-ext", "subjectAltName", "-nameopt", "RFC2253"])
        if rc != 0:
            out[path] = {"valid": False}
            continue
        info = {"valid": True, "names": [], "not_after": None, "self_signed": False}
        subject = issuer = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("notAfter="):
                info["not_after"] = _openssl_time(line.split("=", 1)[1])
            elif line.startswith("subject="):
                subject = line.split("=", 1)[1].strip()
            elif line.startswith("issuer="):
                issuer = line.split("=", 1)[1].strip()
            elif line.startswith(("DNS:", "IP Address:")):
                for name in line.split(","):
                    name = name.strip()
                    if name.startswith("DNS:"):
                        info["names"].append(name[4:])
                    elif name.startswith("IP Address:"):
                        info["names"].append(name[len("IP Address:"):])
        info["self_signed"] = subject is not None and subject == issuer
        out[path] = info
    return out


def _openssl_time(text):
    """'Mar  9 12:00:00 2028 GMT' in seconds since the epoch."""
    import calendar

    try:
        return calendar.timegm(time.strptime(text.strip(), "%b %d %H:%M:%S %Y %Z"))
    except ValueError:
        return None


def read_files(paths):
    """The text of small files (at most MAX_CONTENT bytes), or None."""
    out = {}
    for path in dict.fromkeys(paths):
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_CONTENT + 1)
        except OSError:
            out[path] = None
            continue
        out[path] = data[:MAX_CONTENT].decode("utf-8", "replace")
    return out


def gather(params, run, cpus=None):
    """Everything params asks for, in the shape stack_info returns."""
    result = {
        "time": time.time(),
        "cpus": cpus if cpus is not None else len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
    }
    expect = params.get("expect") or {}
    globs = expand_globs(params.get("globs") or [])
    paths = {}
    unread = set(params.get("stat_only") or []) | set(expect)
    every = list(params.get("paths") or []) + [p for matches in globs.values() for p in matches] + list(expect)
    for path in every + list(params.get("stat_only") or []):
        if path in paths:
            continue
        info = stat_path(path, checksum=path not in unread)
        if path in expect:
            info["matches"] = info.get("type") == "file" and _sha1(path) == expect[path]
        paths[path] = info
    result["paths"] = paths
    result["globs"] = globs
    result["units"] = unit_states(params.get("units") or [], run)
    result["packages"] = package_versions(params.get("packages") or [], run)
    result["users"] = user_entries(params.get("users") or [])
    result["groups"] = group_entries(params.get("groups") or [])
    result["certificates"] = certificate_info(params.get("certificates") or [], run)
    result["contents"] = read_files(params.get("read") or [])
    projects = params.get("projects") or {}
    result["requirements"] = {
        path: requirements_digest(read_text, path, projects.get(path)) for path in dict.fromkeys(params.get("requirements") or [])
    }
    result["containers"] = container_states(params.get("containers") or [], run)
    result["upgrades"] = pending_upgrades(run) if params.get("upgrades") else None
    return result


def _content_checksum(content):
    return hashlib.sha1(content.encode("utf-8") if isinstance(content, str) else bytes(content)).hexdigest()  # noqa: S324


def path_differs(state, path, kind="file", owner=None, group=None, mode=None, content=None, target=None):
    """Whether the path, as stack_info saw it (state: its result), differs from
    what a task would make of it: missing, of another kind, another owner,
    group, mode (octal, for example "0640"), content (text) or link target.
    kind "absent": whether it exists. A path stack_info was not asked about
    differs: the task then decides."""
    info = ((state or {}).get("paths") or {}).get(path)
    if info is None:
        return True
    if kind == "absent":
        return bool(info.get("exists"))
    if not info.get("exists") or info.get("type") != kind:
        return True
    if owner is not None and info.get("owner") != str(owner):
        return True
    if group is not None and info.get("group") != str(group):
        return True
    if mode is not None:
        wanted = str(mode)
        if not re.match(r"^0?[0-7]{3,4}$", wanted) or int(wanted, 8) != int(info.get("mode", "0"), 8):
            return True
    if kind == "link" and target is not None and info.get("target") != target:
        return True
    if content is not None:
        if "matches" in info:
            return not info["matches"]
        return info.get("checksum") != _content_checksum(content)
    return False


def fields_differ(actual, expected):
    """Whether a record stack_info returned (a user, a unit) lacks one of the
    expected values (or is missing)."""
    if not actual:
        return True
    return any(actual.get(key) != value for key, value in expected.items())


def exists(state, path):
    """Whether stack_info saw the path."""
    return bool((((state or {}).get("paths") or {}).get(path) or {}).get("exists"))


def link_target(state, path):
    """The target of a link stack_info saw, or ""."""
    info = ((state or {}).get("paths") or {}).get(path) or {}
    return info.get("target", "") if info.get("type") == "link" else ""


def on_host(items, state, key, present=True):
    """The items (dictionaries) whose path item[key] exists on the host (or, with present false, does not)."""
    return [item for item in items if exists(state, item[key]) == bool(present)]


def globbed(state, patterns):
    """The paths stack_info found for glob patterns (one or a list), each its
    description with "path" added, sorted by path."""
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    found = (state or {}).get("globs") or {}
    paths = (state or {}).get("paths") or {}
    names = sorted({p for pattern in patterns for p in found.get(pattern, [])})
    return [dict(paths.get(p, {}), path=p) for p in names]


def resolved_links(state, links):
    """The absolute paths the links point at (a relative target joined to the
    link's directory), for the links stack_info found."""
    import posixpath

    out = []
    for link in links:
        target = link_target(state, link)
        if target:
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(link), target)))
    return out


def startable(items, state, key, check_mode):
    """The items whose unit (item[key], as stack_info read it) systemd can act
    on: all of them, but in check mode only those whose unit is on the host
    already - a real run writes the others first, and systemd cannot be asked
    about a unit it does not know."""
    if not check_mode:
        return list(items)
    units = (state or {}).get("units") or {}
    return [item for item in items if (units.get(item[key]) or {}).get("load_state") == "loaded"]
