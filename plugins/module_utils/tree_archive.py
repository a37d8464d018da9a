# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One gzip'ed tar archive of a directory tree on the controller, with files and
links added and paths left out: what the action copy_tree sends to a host in
one transfer instead of one per file."""

from __future__ import annotations

import io
import os
import posixpath
import stat
import tarfile
import time


def _clean(relative, what):
    path = posixpath.normpath(relative.strip("/"))
    if path in ("", ".") or path == ".." or path.startswith("../"):
        raise ValueError(f"{what} {relative!r} must be a path inside the tree")
    return path


def _info(name, kind, mode, size=0, target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.linkname = target
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = int(time.time())
    return info


def build(src=None, prefix="", exclude=(), files=None, links=None, level=1):
    """The archive's bytes.

    src: a directory whose tree goes under prefix (symbolic links followed, as
    ansible.builtin.copy does); exclude: paths relative to src left out (with
    everything under them); files: {path: text}; links: {path: target}. Every
    entry belongs to root; directories are 0755, files 0644, or 0755 when the
    source file is executable by its owner. Paths of files and links are
    relative to the archive's root; a file or link replaces what src has there
    (a directory of src with everything in it).
    """
    files = {_clean(k, "file"): v for k, v in (files or {}).items()}
    links = {_clean(k, "link"): v for k, v in (links or {}).items()}
    prefix = _clean(prefix, "prefix") if prefix else ""
    excluded = {_clean(e, "excluded path") for e in exclude}
    replaced = set(files) | set(links)
    buffer = io.BytesIO()
    directories = set()

    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=level, format=tarfile.PAX_FORMAT) as archive:

        def add_dirs(path):
            parts = path.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                directory = "/".join(parts[:depth])
                if directory not in directories:
                    directories.add(directory)
                    archive.addfile(_info(directory, tarfile.DIRTYPE, 0o755))

        if src is not None:
            if not os.path.isdir(src):
                raise FileNotFoundError(f"{src} is not a directory")
            for directory, dirnames, filenames in os.walk(src, followlinks=True):
                relative_dir = os.path.relpath(directory, src)
                relative_dir = "" if relative_dir == "." else relative_dir.replace(os.sep, "/")
                here = posixpath.join(prefix, relative_dir) if relative_dir else prefix
                # A directory left out, or replaced by a file or link, goes with everything under it.
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if posixpath.join(relative_dir, d) not in excluded and posixpath.join(here, d) not in replaced
                )
                if here:
                    add_dirs(here + "/x")
                for filename in sorted(filenames):
                    relative = posixpath.join(relative_dir, filename) if relative_dir else filename
                    if relative in excluded:
                        continue
                    name = posixpath.join(prefix, relative) if prefix else relative
                    if name in replaced:
                        continue
                    path = os.path.join(directory, filename)
                    st = os.stat(path)
                    if not stat.S_ISREG(st.st_mode):
                        continue
                    add_dirs(name)
                    info = _info(name, tarfile.REGTYPE, 0o755 if st.st_mode & stat.S_IXUSR else 0o644, st.st_size)
                    info.mtime = int(st.st_mtime)
                    with open(path, "rb") as handle:
                        archive.addfile(info, handle)
        for name, text in sorted(files.items()):
            data = text.encode("utf-8")
            add_dirs(name)
            archive.addfile(_info(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
        for name, target in sorted(links.items()):
            add_dirs(name)
            archive.addfile(_info(name, tarfile.SYMTYPE, 0o777, target=target))
    return buffer.getvalue()
