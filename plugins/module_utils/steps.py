# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several items, each a list of commands run in order, the items side by side:
how a deploy builds its environments and checks its releases in one call to
the host (module run_steps). An item whose commands all succeed gets its marker
file; an item that fails stops at its first failing command."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading


def run_command(argv, env=None):
    """(rc, stdout, stderr) of a command, its input closed."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env, check=False)
    except OSError as exc:
        return 127, "", f"{argv[0]}: {exc}"
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def write_marker(path, content):
    """Write the marker atomically (a new file renamed into place), mode 0644."""
    directory = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".marker-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def run_item(item, run=run_command):
    """Run one item's steps; return its result (passed, steps, the failing step)."""
    result = {"name": item["name"], "passed": True, "steps": []}
    for key in ("id", "group"):
        if key in item:
            result[key] = item[key]
    env = None
    if item.get("environment"):
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in item["environment"].items()})
    for step in item.get("steps") or []:
        rc, out, err = run(list(step["argv"]), env)
        record = {"step": step["step"], "rc": rc, "stdout": out, "stderr": err}
        result["steps"].append(record)
        if rc != 0:
            result.update(passed=False, failed_step=step["step"], rc=rc, stdout=out, stderr=err)
            break
    if result["passed"] and item.get("marker"):
        write_marker(item["marker"], item.get("marker_content", ""))
    if not result["passed"] and item.get("remove_on_failure"):
        shutil.rmtree(item["remove_on_failure"], ignore_errors=True)
    return result


def run_items(items, run=run_command, parallel=True):
    """Every item's result, in the order given; items run side by side."""
    results = [None] * len(items)

    def one(index):
        try:
            results[index] = run_item(items[index], run)
        except Exception as exc:  # a marker that cannot be written fails its item, not the others
            results[index] = {"name": items[index]["name"], "passed": False, "failed_step": "marker", "rc": 1, "stdout": "", "stderr": str(exc), "steps": []}

    if parallel and len(items) > 1:
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for index in range(len(items)):
            one(index)
    return results
