# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of flaskstack.deploy.config_files: renders the files' templates
on the controller (from the calling role's templates, as ansible.builtin.template
does), then runs the module of the same name on the host once for all of them."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

FILE_KEYS = {"dest", "template", "content", "vars", "owner", "group", "mode", "secret", "keep_content"}


class ActionModule(ActionBase):
    """flaskstack.deploy.config_files"""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("directories", "files", "links", "absent", "test", "reload"))

    def _render(self, entry, task_vars):
        lookup = self._shared_loader_obj.lookup_loader.get("ansible.builtin.template", loader=self._loader, templar=self._templar)
        return lookup.run([entry["template"]], variables=task_vars, template_vars=entry.get("vars") or {})[0]

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self._task.args
        files, secrets = [], []
        for entry in args.get("files") or []:
            if not isinstance(entry, dict) or not entry.get("dest"):
                raise AnsibleActionFail(f"config_files: each of files needs a dest, not {entry!r}")
            unknown = set(entry) - FILE_KEYS
            if unknown:
                raise AnsibleActionFail(f"config_files: {entry['dest']}: unknown key(s) {', '.join(sorted(unknown))}")
            if ("template" in entry) == ("content" in entry):
                raise AnsibleActionFail(f"config_files: {entry['dest']}: give either template or content")
            content = self._render(entry, task_vars) if "template" in entry else to_text(entry["content"])
            one = {k: entry[k] for k in ("owner", "group", "mode", "keep_content") if entry.get(k) is not None}
            one["dest"] = entry["dest"]
            # Only a secret file's text is kept from the logs (the module's
            # secret_contents, no_log): its path, owner and mode are not secret,
            # and Ansible would mask every occurrence of them in the output.
            if entry.get("secret"):
                one["secret"] = len(secrets)
                secrets.append(content)
            else:
                one["content"] = content
            files.append(one)
        module_args = {
            # Entries made by flaskstack.deploy.per_app carry "vars" for templates; only files use them.
            "directories": [{k: v for k, v in d.items() if k != "vars"} for d in args.get("directories") or []],
            "files": files,
            "secret_contents": secrets,
            "links": [{k: v for k, v in link.items() if k != "vars"} for link in args.get("links") or []],
            "absent": args.get("absent") or [],
        }
        for key in ("test", "reload"):
            if args.get(key):
                module_args[key] = args[key]
        result.update(self._execute_module(module_name="flaskstack.deploy.config_files", module_args=module_args, task_vars=task_vars))
        return result
