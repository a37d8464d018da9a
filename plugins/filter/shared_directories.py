# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.shared_directories: the shared directories of the applications (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: shared_directories
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The shared directories of the applications
description:
- Each application's C(shared_dirs), as directories in C(/srv/flaskstack/NAME/shared) owned by the application's user and
  group, mode 0750 - entries for O(flaskstack.deploy.config_files#module:directories).
options:
  _input:
    description: Applications from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Make the shared directories
  flaskstack.deploy.config_files:
    directories: "{{ apps | flaskstack.deploy.shared_directories }}"
"""

RETURN = r"""
_value:
  description: V(path), V(owner), V(group), V(mode) per directory.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def shared_directories(apps):
    """The shared directories of the applications."""
    return layout.shared_directories(apps)


class FilterModule:
    """flaskstack.deploy.shared_directories"""

    def filters(self):
        return {"shared_directories": shared_directories}
