# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's files as one change (module config_files): directories, files,
links and paths to remove, compared with what the host has, written where they
differ, optionally tested with a command (nginx -t, apache2ctl configtest), and
all put back as they were when the test fails. A configuration that fails its
test never reaches a running server: the server reads files only when it
reloads, and the files it would read are the old ones again."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile


class ConfigError(Exception):
    """A change that could not be made (everything was put back)."""


class TestFailed(ConfigError):
    """The test command failed (everything was put back); the message is what it printed."""


# The id of a user or group that does not exist yet (check mode only: a real
# run creates it first); nothing on the host is owned by it.
NOT_YET = -2


def _ids(owner, group, not_yet_ok=False):
    ids = []
    for name, lookup in ((owner, lambda n: pwd.getpwnam(n).pw_uid), (group, lambda n: grp.getgrnam(n).gr_gid)):
        try:
            ids.append(lookup(name) if name is not None else -1)
        except KeyError as exc:
            if not not_yet_ok:
                raise ConfigError(f"no such user or group: {exc.args[0]}") from None
            ids.append(NOT_YET)
    return tuple(ids)


def _mode(mode, default):
    if mode is None:
        return default
    return int(str(mode), 8)


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _lstat(path):
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _owned(st, uid, gid, mode):
    return (uid == -1 or st.st_uid == uid) and (gid == -1 or st.st_gid == gid) and stat.S_IMODE(st.st_mode) == mode


def plan(directories=(), files=(), links=(), absent=(), check_mode=False):
    """What would change: a list of changes, each {"kind", "path", ...}, and
    for text files the content before and after (for a diff). Reads only.
    check_mode: an owner or group that does not exist yet (a real run creates
    it first) makes its paths changes instead of an error."""
    changes = []
    for entry in sorted(directories, key=lambda d: d["path"].count("/")):
        uid, gid = _ids(entry.get("owner"), entry.get("group"), check_mode)
        mode = _mode(entry.get("mode"), 0o755)
        st = _lstat(entry["path"])
        if st is None or not stat.S_ISDIR(st.st_mode) or not _owned(st, uid, gid, mode):
            changes.append({"kind": "directory", "path": entry["path"], "uid": uid, "gid": gid, "mode": mode, "existed": st is not None})
    for entry in files:
        uid, gid = _ids(entry.get("owner"), entry.get("group"), check_mode)
        mode = _mode(entry.get("mode"), 0o644)
        content = entry["content"].encode("utf-8") if isinstance(entry["content"], str) else bytes(entry["content"])
        st = _lstat(entry["dest"])
        before = _read(entry["dest"]) if st is not None and stat.S_ISREG(st.st_mode) else None
        if entry.get("keep_content") and before is not None:
            # Written once (a token made for the host): its content stays, its owner and mode are set.
            content = before
        if before != content or st is None or not stat.S_ISREG(st.st_mode) or not _owned(st, uid, gid, mode):
            changes.append({
                "kind": "file", "path": entry["dest"], "uid": uid, "gid": gid, "mode": mode, "content": content,
                "before": before, "secret": bool(entry.get("secret")),
            })  # fmt: skip
    for entry in links:
        st = _lstat(entry["dest"])
        if st is None or not stat.S_ISLNK(st.st_mode) or os.readlink(entry["dest"]) != entry["src"]:
            changes.append({"kind": "link", "path": entry["dest"], "target": entry["src"]})
    for path in absent:
        if _lstat(path) is not None:
            changes.append({"kind": "absent", "path": path})
    return changes


def _save(path):
    """What is at path now, so that it can be put back."""
    st = _lstat(path)
    if st is None:
        return {"path": path, "kind": "missing"}
    if stat.S_ISLNK(st.st_mode):
        return {"path": path, "kind": "link", "target": os.readlink(path)}
    if stat.S_ISDIR(st.st_mode):
        return {"path": path, "kind": "directory", "uid": st.st_uid, "gid": st.st_gid, "mode": stat.S_IMODE(st.st_mode)}
    if stat.S_ISREG(st.st_mode):
        return {"path": path, "kind": "file", "content": _read(path), "uid": st.st_uid, "gid": st.st_gid, "mode": stat.S_IMODE(st.st_mode)}
    raise ConfigError(f"{path} is neither a file, a directory nor a link; it was left as it is.")


def _write_file(path, content, uid, gid, mode):
    """A new file in the same directory, renamed over the path: readers see the old or the new one."""
    directory = os.path.dirname(path) or "."
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".flaskstack-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chown(temporary, uid, gid)
        os.chmod(temporary, mode)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _remove(path):
    st = _lstat(path)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _link(path, target):
    directory = os.path.dirname(path) or "."
    temporary = os.path.join(directory, f".flaskstack-link-{os.getpid()}-{os.path.basename(path)}")
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    os.replace(temporary, path)


def apply(changes, saved):
    """Make the changes, noting in saved what each path was before (for restore)."""
    for change in changes:
        path = change["path"]
        saved.append(_save(path))
        kind = change["kind"]
        if kind == "directory":
            if not os.path.isdir(path) or os.path.islink(path):
                _remove(path)
                parent = os.path.dirname(path)
                if parent and not os.path.isdir(parent):
                    os.makedirs(parent, 0o755)
                os.mkdir(path, change["mode"])
            os.chown(path, change["uid"], change["gid"])
            os.chmod(path, change["mode"])
        elif kind == "file":
            _write_file(path, change["content"], change["uid"], change["gid"], change["mode"])
        elif kind == "link":
            _link(path, change["target"])
        elif kind == "absent":
            _remove(path)


def restore(saved):
    """Put every path back as it was, the last change first."""
    for before in reversed(saved):
        path = before["path"]
        if before["kind"] == "missing":
            _remove(path)
        elif before["kind"] == "link":
            _link(path, before["target"])
        elif before["kind"] == "directory":
            if not os.path.isdir(path) or os.path.islink(path):
                _remove(path)
                os.mkdir(path, before["mode"])
            os.chown(path, before["uid"], before["gid"])
            os.chmod(path, before["mode"])
        else:
            _write_file(path, before["content"], before["uid"], before["gid"], before["mode"])


def run_test(argv):
    """(rc, output) of the test command."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    except OSError as exc:
        return 127, f"{argv[0]}: {exc}"
    output = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    return done.returncode, output


def change(directories=(), files=(), links=(), absent=(), test=None, check_mode=False):
    """Plan, apply and test: returns (changes, test_output). Raises ConfigError
    (after putting everything back) when the test fails."""
    changes = plan(directories, files, links, absent, check_mode)
    if check_mode or not changes:
        return changes, ""
    saved = []
    try:
        apply(changes, saved)
    except OSError as exc:
        restore(saved)
        raise ConfigError(f"{exc}; nothing was changed") from None
    if not test:
        return changes, ""
    rc, output = run_test(test)
    if rc != 0:
        restore(saved)
        raise TestFailed(output or f"{' '.join(test)} exited with {rc}")
    return changes, output


def reload_unit(unit, test=None):
    """Reload a systemd unit that runs, after its configuration test passed.
    Returns whether it reloaded; raises TestFailed (nothing reloaded) when the
    test fails, ConfigError when the reload does."""
    active = subprocess.run(["systemctl", "is-active", "--quiet", unit], stdin=subprocess.DEVNULL, check=False)
    if active.returncode != 0:
        return False
    if test:
        rc, output = run_test(test)
        if rc != 0:
            raise TestFailed(output or f"{' '.join(test)} exited with {rc}")
    rc, output = run_test(["systemctl", "reload", unit])
    if rc != 0:
        raise ConfigError(f"systemctl reload {unit} failed: {output}")
    return True


def diffs(changes):
    """Diffs (Ansible's before/after form) of the text files that changed, secrets left out."""
    out = []
    for c in changes:
        if c["kind"] == "file" and not c["secret"]:
            out.append({
                "before_header": c["path"], "after_header": c["path"],
                "before": (c["before"] or b"").decode("utf-8", "replace"), "after": c["content"].decode("utf-8", "replace"),
            })  # fmt: skip
        elif c["kind"] == "file":
            out.append({"before_header": c["path"], "after_header": c["path"], "before": "", "after": "(secret: not shown)\n"})
        elif c["kind"] in ("link", "absent", "directory"):
            out.append({"before_header": c["path"], "after_header": c["path"], "before": "", "after": f"({c['kind']}{' -> ' + c['target'] if c['kind'] == 'link' else ''})\n"})
    return out
