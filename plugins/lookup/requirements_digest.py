# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The digest of a requirements file on the controller and of the files it includes."""

from __future__ import annotations

DOCUMENTATION = r"""
  name: requirements_digest
  author: flaskstack.deploy contributors
  version_added: "0.2.0"
  short_description: The digest of a pip requirements file and of every file it includes
  description:
    - Reads a requirements file on the controller, follows its C(-r) and C(-c) lines to the files they name
      (relative to the file), and returns a SHA-256 digest of their text, so that the same requirements name
      the same dependency environment.
    - A file that does not exist counts as empty (an application may have no requirements file).
    - With O(projects), also whether an application's code is a Python project that pip can install (a C(setup.py), or a
      C(pyproject.toml) with a C([project]) or C([build-system]) table).
  options:
    _terms:
      description: The requirements files.
      required: true
    projects:
      description: A requirements file (as given in O(_terms)) -> the directory of the code to check for a Python project.
      type: dict
      default: {}
"""

EXAMPLES = r"""
- name: Show the digest of the demo's requirements
  ansible.builtin.debug:
    msg: "{{ lookup('flaskstack.deploy.requirements_digest', playbook_dir ~ '/files/demo/requirements.txt').digest }}"
"""

RETURN = r"""
  _raw:
    description:
      - One dictionary per file - V(digest), V(files) (the files read), V(exists), V(missing) (included files that
        do not exist), V(local) (whether a line installs from the local file system, such as C(-e .)) and V(project)
        (whether the code in the directory O(projects) names is a Python project).
    type: list
    elements: dict
"""

import os

from ansible.plugins.lookup import LookupBase
from ansible_collections.flaskstack.deploy.plugins.module_utils.releases import read_text, requirements_digest


class LookupModule(LookupBase):
    """flaskstack.deploy.requirements_digest"""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        projects = self.get_option("projects") or {}
        return [
            requirements_digest(read_text, os.path.expanduser(str(term)), projects.get(str(term)) and os.path.expanduser(str(projects[str(term)])))
            for term in terms
        ]
