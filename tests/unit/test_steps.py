"""Unit tests for run_steps (module_utils/steps.py), with real commands."""

import json
import time

from ansible_collections.flaskstack.deploy.plugins.module_utils import steps


def test_items_run_side_by_side_and_succeeding_ones_are_marked(tmp_path):
    items = [
        {"name": "a", "steps": [{"step": "sleep", "argv": ["sleep", "1"]}, {"step": "echo", "argv": ["echo", "done a"]}],
         "marker": str(tmp_path / "a.marker"), "marker_content": json.dumps({"a": 1})},
        {"name": "b", "steps": [{"step": "sleep", "argv": ["sleep", "1"]}], "marker": str(tmp_path / "b.marker")},
    ]  # fmt: skip
    t0 = time.monotonic()
    results = steps.run_items(items)
    assert time.monotonic() - t0 < 1.8
    assert [r["passed"] for r in results] == [True, True]
    assert results[0]["steps"][1]["stdout"] == "done a\n"
    assert json.loads((tmp_path / "a.marker").read_text()) == {"a": 1}
    assert oct((tmp_path / "a.marker").stat().st_mode & 0o777) == "0o644"


def test_an_item_stops_at_its_first_failing_step(tmp_path):
    built = tmp_path / "env"
    built.mkdir()
    items = [
        {"name": "bad", "steps": [{"step": "fail", "argv": ["sh", "-c", "echo oops >&2; exit 3"]}, {"step": "never", "argv": ["touch", str(tmp_path / "never")]}],
         "marker": str(built / "marker"), "remove_on_failure": str(built)},
        {"name": "good", "steps": [{"step": "env", "argv": ["sh", "-c", "echo $FLASKSTACK_X"]}], "environment": {"FLASKSTACK_X": "set"}},
    ]  # fmt: skip
    bad, good = steps.run_items(items)
    assert (bad["passed"], bad["failed_step"], bad["rc"], bad["stderr"]) == (False, "fail", 3, "oops\n")
    assert not (tmp_path / "never").exists() and not built.exists()
    assert good["passed"] and good["steps"][0]["stdout"] == "set\n"


def test_a_command_that_does_not_exist_fails_its_item():
    (result,) = steps.run_items([{"name": "x", "steps": [{"step": "nope", "argv": ["/nonexistent/cmd"]}]}])
    assert not result["passed"] and result["rc"] == 127
