# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A digest of a directory tree on the controller: what names a release of an application."""

from __future__ import annotations

import hashlib
import os
import stat

DOCUMENTATION = r"""
  name: source_checksum
  author: flaskstack.deploy contributors
  version_added: "0.1.0"
  short_description: The SHA-256 digest of a directory tree on the controller
  description:
    - Walks the directory (following symbolic links, as ansible.builtin.copy does) and hashes every
      file's path relative to the directory, whether it is executable, and its content.
    - The same tree gives the same digest wherever it lies; any change to a file's name, content
      or executable bit gives another one.
  options:
    _terms:
      description: The directories.
      required: true
"""

EXAMPLES = r"""
- name: Show the digest of the application's code
  ansible.builtin.debug:
    msg: "{{ lookup('flaskstack.deploy.source_checksum', playbook_dir ~ '/files/demo') }}"
"""

RETURN = r"""
  _raw:
    description: One hexadecimal SHA-256 digest per directory.
    type: list
    elements: str
"""


def tree_digest(root):
    """The digest of the tree under root; raises FileNotFoundError if root is not a directory."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{root} is not a directory")
    digest = hashlib.sha256()
    for directory, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        relative_dir = os.path.relpath(directory, root)
        digest.update(b"D\0" + relative_dir.encode("utf-8", "surrogateescape") + b"\0")
        for filename in sorted(filenames):
            path = os.path.join(directory, filename)
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                continue
            relative = os.path.normpath(os.path.join(relative_dir, filename))
            executable = b"x" if mode & 0o111 else b"-"
            digest.update(b"F\0" + relative.encode("utf-8", "surrogateescape") + b"\0" + executable + b"\0")
            file_digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    file_digest.update(block)
            digest.update(file_digest.digest())
    return digest.hexdigest()


try:
    from ansible.errors import AnsibleLookupError
    from ansible.plugins.lookup import LookupBase
except ImportError:  # the unit tests run without Ansible
    LookupBase = object


class LookupModule(LookupBase):
    """flaskstack.deploy.source_checksum"""

    def run(self, terms, variables=None, **kwargs):
        results = []
        for term in terms:
            try:
                results.append(tree_digest(os.path.expanduser(str(term))))
            except OSError as exc:
                raise AnsibleLookupError(f"source_checksum: cannot read the source directory {term}: {exc}") from exc
        return results
