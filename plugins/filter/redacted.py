# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.redacted: a text with the values of secrets masked (the logic is in plugins/module_utils/processes.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: redacted
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: A text with the values of secrets masked
description:
- The text with every non-empty secret value replaced by V(********), so that the output of a command run with an
  application's secrets can be shown.
options:
  _input:
    description: The text.
    type: str
    required: true
  secrets:
    description: The secret values.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Show a command's output
  ansible.builtin.debug:
    msg: "{{ result.stdout | flaskstack.deploy.redacted(app.secret_env.values() | list) }}"
"""

RETURN = r"""
_value:
  description: The text, masked.
  type: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import processes


def redacted(text, secrets):
    """The text with the secret values masked."""
    return processes.redact(text, list(secrets or []))


class FilterModule:
    """flaskstack.deploy.redacted"""

    def filters(self):
        return {"redacted": redacted}
