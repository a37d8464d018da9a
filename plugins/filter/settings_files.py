# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.settings_files: the applications' settings files, as entries of config_files (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: settings_files
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The applications' settings files, as entries of config_files
description:
- 'The C(settings_files) of the applications as entries of M(flaskstack.deploy.config_files): each at
  C(/srv/flaskstack/NAME/shared/DEST), owned by root, group the application''s, mode 0640, secret unless its C(secret) is
  false, rendered from its C(template) with the application''s layout as C(item), or, for a file given as C(content),
  from O(content_template), which reads the content from the application''s definition (C(item) and the file''s index,
  C(settings_file)), so that the content is in no variable that Ansible shows.'
options:
  _input:
    description: Applications, from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  content_template:
    description: The template that writes a file given as content.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Write the settings files
  flaskstack.deploy.config_files:
    files: "{{ apps | flaskstack.deploy.settings_files('settings_file.j2') }}"
"""

RETURN = r"""
_value:
  description: The entries.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def settings_files(apps, content_template):
    """The settings files of the applications."""
    try:
        return layout.settings_file_entries(list(apps), content_template)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"settings_files: expects applications from flaskstack.deploy.app_layouts ({exc})") from None


class FilterModule:
    """flaskstack.deploy.settings_files"""

    def filters(self):
        return {"settings_files": settings_files}
