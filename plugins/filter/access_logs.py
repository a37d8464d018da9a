# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.access_logs: what a web server writes of the applications' access logs (the logic is in plugins/module_utils/access_logs.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: access_logs
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: What a web server writes of the applications' access logs
description:
- 'The settings of the JSON access logs that the web server roles write, the same whichever web server: the directory,
  the request ID header and the pattern a trusted ID must match, the fields of a line, the trusted sources (normalised)
  and the logrotate rule.'
- Fails with a message naming the variable when a trusted source is not an IP address or network, or when the days to
  keep are fewer than one.
options:
  _input:
    description: The web server, V(nginx) or V(apache).
    type: str
    required: true
  days:
    description: Days of logs to keep.
    type: int
    required: true
  sources:
    description: Addresses or networks whose X-Request-ID header is kept.
    type: list
    elements: str
    default: []
  variable:
    description: The variable O(sources) comes from, for the message.
    type: str
    default: flaskstack_request_id_from
"""

EXAMPLES = r"""
- name: Show where Nginx's logrotate rule goes
  ansible.builtin.debug:
    msg: "{{ ('nginx' | flaskstack.deploy.access_logs(14, ['10.0.0.0/8'])).logrotate_path }}"
"""

RETURN = r"""
_value:
  description: V(dir), V(header), V(pattern), V(fields), V(numbers), V(trusted), V(logrotate_path), V(logrotate).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import access_logs as access_logs_


def access_logs(web_server, days, sources=None, variable="flaskstack_request_id_from"):
    """What web_server writes of the applications' access logs."""
    try:
        return access_logs_.settings(web_server, days, sources or [], variable)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:
    """flaskstack.deploy.access_logs"""

    def filters(self):
        return {"access_logs": access_logs}
