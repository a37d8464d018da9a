# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.changed_apps: the applications whose file changed (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: changed_apps
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The applications whose file changed
description:
- The names of the applications whose path - the pattern with the application's layout filled in (Python's C(str.format) fields)
  - is among the paths a task changed (RV(flaskstack.deploy.config_files#module:changed_paths)).
options:
  _input:
    description: Applications from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  changed_paths:
    description: The paths that changed.
    type: list
    elements: str
    required: true
  pattern:
    description:
    - The path of an application's file, for example V(/etc/systemd/system/{service_unit}).
    - V(settings_files) stands for every one of the application's settings files.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Restart the applications whose unit changed
  ansible.builtin.systemd_service:
    name: flaskstack-{{ item }}.service
    state: restarted
  loop: "{{ apps | flaskstack.deploy.changed_apps(written.changed_paths, '/etc/systemd/system/{service_unit}') }}"
"""

RETURN = r"""
_value:
  description: The names.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def changed_apps(apps, changed_paths, pattern):
    """The applications whose file changed."""
    try:
        return layout.changed_apps(apps, changed_paths, pattern)
    except layout.LayoutError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.changed_apps"""

    def filters(self):
        return {"changed_apps": changed_apps}
