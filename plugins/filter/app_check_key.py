# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_check_key: what the check of an application list depends on (the logic is in plugins/module_utils/schema.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_check_key
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: What the check of an application list depends on, as a digest
description:
- A digest of an application list (its secret values left out) and the pairing, so that the app role checks a list with
  P(flaskstack.deploy.app_errors#filter) once per play and not again when nothing it depends on changed.
options:
  _input:
    description: The list of applications.
    type: list
    elements: dict
    required: true
  app_server:
    description: The app server of the applications that do not name their own; null for the pairing table's default.
    type: str
  web_server:
    description: The web server of the host; null for the pairing table's default.
    type: str
  runtime:
    description: The runtime of the applications that do not name their own; null for C(virtualenv).
    type: str
"""

EXAMPLES = r"""
- name: Note that this list passed its check
  ansible.builtin.set_fact:
    checked: "{{ flaskstack_apps | flaskstack.deploy.app_check_key }}"
"""

RETURN = r"""
_value:
  description: 16 hexadecimal digits.
  type: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import schema


def app_check_key(apps, app_server=None, web_server=None, runtime=None):
    """What the check of an application list depends on, as a digest."""
    return schema.check_key(apps, app_server, web_server, runtime)


class FilterModule:
    """flaskstack.deploy.app_check_key"""

    def filters(self):
        return {"app_check_key": app_check_key}
