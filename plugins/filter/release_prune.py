# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.release_prune: the release directories to remove (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_prune
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: The release directories to remove
description:
- Unfinished release directories, and finished ones beyond the newest O(keep) of each application (by the time they were finished);
  never one in O(protect) or O(new).
options:
  _input:
    description: The paths of the directories under each application's releases/.
    type: list
    elements: str
    required: true
  markers:
    description: The marker files found in them, dictionaries with V(path) and V(mtime).
    type: list
    elements: dict
    required: true
  keep:
    description: Finished releases kept per application.
    type: int
    default: 5
  protect:
    description: Release directories never removed (the live and the previous ones).
    type: list
    elements: str
  new:
    description: Release directories just built; they count as the newest.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Remove old releases
  ansible.builtin.file:
    path: "{{ item }}"
    state: absent
  loop: "{{ dirs | flaskstack.deploy.release_prune(markers, 5, [live_dir, previous_dir]) }}"
"""

RETURN = r"""
_value:
  description: The directories to remove, sorted.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def release_prune(release_dirs, markers, keep=5, protect=(), new=()):
    """The release directories to remove."""
    return releases.prune(release_dirs, markers, keep, protect, new)


class FilterModule:
    """flaskstack.deploy.release_prune"""

    def filters(self):
        return {"release_prune": release_prune}
