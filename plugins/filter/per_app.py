# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.per_app: one entry per application, from patterns (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: per_app
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: One entry per application, from patterns
description:
- 'One dictionary per application, each field the given pattern with the application''s layout filled in (Python''s C(str.format)
  fields, for example V(/etc/nginx/sites-available/{site_name})), and V(vars) set to V({item: the application}) - the entries
  M(flaskstack.deploy.config_files) takes for a file or link per application.'
options:
  _input:
    description: Applications from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  fields:
    description: The fields, as keyword arguments (for example V(template='site.conf.j2', dest='/etc/nginx/sites-available/{site_name}'));
      text values are patterns, others are copied.
    type: raw
"""

EXAMPLES = r"""
- name: Write one site per application
  flaskstack.deploy.config_files:
    files: "{{ apps | flaskstack.deploy.per_app(template='site.conf.j2', dest='/etc/nginx/sites-available/{site_name}') }}"
"""

RETURN = r"""
_value:
  description: One entry per application.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def per_app(apps, **fields):
    """One entry per application, from patterns."""
    try:
        return layout.per_app(apps, **fields)
    except layout.LayoutError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.per_app"""

    def filters(self):
        return {"per_app": per_app}
