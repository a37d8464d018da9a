# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_processes: the units of the applications' process types and jobs (the logic is in plugins/module_utils/processes.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_processes
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The units of the applications' process types and jobs
description:
- 'What the app role writes, starts, restarts and removes for the C(processes) and C(jobs) of the applications, by O(what):'
- V(files), the unit files, as entries of M(flaskstack.deploy.config_files);
- V(globs), the patterns of every unit file and enabled link that may be on the host for them;
- V(wanted), the units that run (each instance of a process type, each job's timer);
- 'V(left), the units found on the host (O(arg): what M(flaskstack.deploy.stack_info) returned for the globs) that are no longer wanted:
  C({units: [to stop and disable], files: [to remove]});'
- 'V(restarts), the units to restart after a switch, of those that run now. O(arg) is a dictionary: C(names), the applications
  on a new release or with new settings (their process instances restart); C(changed_paths), the changed files (the units
  that run of an application whose unit files are among them restart); C(units), the units as
  M(flaskstack.deploy.stack_info) read them.'
options:
  _input:
    description: Applications, from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  what:
    description: What to return.
    type: str
    choices: [files, globs, wanted, left, restarts]
    required: true
  arg:
    description: >-
      For V(left), what M(flaskstack.deploy.stack_info) found for the globs (pattern -> paths);
      for V(restarts), a dictionary (see above).
    type: raw
"""

EXAMPLES = r"""
- name: Write the units of the process types and jobs
  flaskstack.deploy.config_files:
    files: "{{ apps | flaskstack.deploy.app_processes('files') }}"
"""

RETURN = r"""
_value:
  description: A list (for V(left), a dictionary).
  type: raw
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import processes

WHAT = {
    "files": lambda apps, arg: processes.unit_files(apps),
    "globs": lambda apps, arg: processes.unit_globs(apps),
    "wanted": lambda apps, arg: processes.wanted_units(apps),
    "left": processes.left_units,
    "restarts": lambda apps, arg: processes.restarts(apps, arg.get("names"), arg.get("changed_paths"), arg.get("units")),
}


def app_processes(apps, what, arg=None):
    """The units of the applications' process types and jobs."""
    if what not in WHAT:
        raise AnsibleFilterError(f"app_processes: {what!r} is not one of {', '.join(WHAT)}")
    try:
        return WHAT[what](list(apps), arg)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"app_processes: expects applications from flaskstack.deploy.app_layouts ({exc})") from None


class FilterModule:
    """flaskstack.deploy.app_processes"""

    def filters(self):
        return {"app_processes": app_processes}
