"""Unit tests for config_files (module_utils/config_files.py), on this machine's file system."""

import os
import stat

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import config_files as cf


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_only_what_differs_is_written(tmp_path):
    (tmp_path / "same.conf").write_text("same\n")
    os.chmod(tmp_path / "same.conf", 0o644)
    files = [
        {"dest": str(tmp_path / "same.conf"), "content": "same\n", "mode": "0644"},
        {"dest": str(tmp_path / "new.conf"), "content": "new\n", "mode": "0640"},
    ]
    changes, _ = cf.change(directories=[{"path": str(tmp_path / "d"), "mode": "0750"}], files=files)
    assert [c["path"] for c in changes] == [str(tmp_path / "d"), str(tmp_path / "new.conf")]
    assert (tmp_path / "new.conf").read_text() == "new\n" and mode(tmp_path / "new.conf") == 0o640
    assert mode(tmp_path / "d") == 0o750
    # A second run changes nothing; a mode that differs is a change.
    assert cf.change(files=files)[0] == []
    os.chmod(tmp_path / "new.conf", 0o600)
    assert [c["path"] for c in cf.plan(files=files)] == [str(tmp_path / "new.conf")]


def test_links_and_removals(tmp_path):
    (tmp_path / "default").write_text("x")
    changes, _ = cf.change(links=[{"src": "/etc/target", "dest": str(tmp_path / "link")}], absent=[str(tmp_path / "default"), str(tmp_path / "never")])
    assert [c["kind"] for c in changes] == ["link", "absent"]
    assert os.readlink(tmp_path / "link") == "/etc/target" and not (tmp_path / "default").exists()
    assert cf.plan(links=[{"src": "/etc/target", "dest": str(tmp_path / "link")}]) == []


def test_a_failing_test_puts_everything_back(tmp_path):
    old = tmp_path / "site.conf"
    old.write_text("good\n")
    os.chmod(old, 0o644)
    os.symlink("/old/target", tmp_path / "enabled")
    (tmp_path / "default").write_text("default site\n")
    with pytest.raises(cf.TestFailed, match="syntax error"):
        cf.change(
            files=[{"dest": str(old), "content": "bad\n"}, {"dest": str(tmp_path / "added.conf"), "content": "x\n"}],
            links=[{"src": "/new/target", "dest": str(tmp_path / "enabled")}],
            absent=[str(tmp_path / "default")],
            test=["sh", "-c", "grep -q good " + str(old) + " || { echo 'syntax error in site.conf' >&2; exit 1; }"],
        )  # fmt: skip
    assert old.read_text() == "good\n" and mode(old) == 0o644
    assert not (tmp_path / "added.conf").exists()
    assert os.readlink(tmp_path / "enabled") == "/old/target"
    assert (tmp_path / "default").read_text() == "default site\n"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".flaskstack-")]


def test_a_passing_test_keeps_the_change_and_check_mode_changes_nothing(tmp_path):
    dest = tmp_path / "a.conf"
    changes, output = cf.change(files=[{"dest": str(dest), "content": "a\n"}], test=["sh", "-c", "echo syntax is ok"])
    assert dest.read_text() == "a\n" and output == "syntax is ok"
    planned, _ = cf.change(files=[{"dest": str(dest), "content": "b\n"}], check_mode=True)
    assert [c["path"] for c in planned] == [str(dest)] and dest.read_text() == "a\n"


def test_diffs_leave_secrets_out(tmp_path):
    changes = cf.plan(files=[{"dest": str(tmp_path / "app.env"), "content": "A=1\n"}, {"dest": str(tmp_path / "secrets.env"), "content": "KEY=s3cret\n", "secret": True}])
    text = repr(cf.diffs(changes))
    assert "A=1" in text and "s3cret" not in text


def test_an_unknown_owner_is_an_error(tmp_path):
    with pytest.raises(cf.ConfigError, match="no such user or group"):
        cf.plan(files=[{"dest": str(tmp_path / "x"), "content": "", "owner": "no-such-user-here"}])


def test_check_mode_counts_paths_of_a_user_not_made_yet_as_changes(tmp_path):
    entry = {"dest": str(tmp_path / "app.env"), "content": "A=1\n", "owner": "root", "group": "flaskstack-no-such-group", "mode": "0640"}
    with pytest.raises(cf.ConfigError, match="no such user or group"):
        cf.change(files=[entry])
    changes, _ = cf.change(directories=[{"path": str(tmp_path / "d"), "owner": "flaskstack-no-such-user"}], files=[entry], check_mode=True)
    assert [c["path"] for c in changes] == [str(tmp_path / "d"), str(tmp_path / "app.env")]
    assert not (tmp_path / "app.env").exists()


def test_keep_content_writes_a_missing_file_once_and_then_only_its_mode(tmp_path):
    token = str(tmp_path / "metrics.token")
    assert [c["path"] for c in cf.change(files=[{"dest": token, "content": "first\n", "mode": "0640", "keep_content": True}])[0]] == [token]
    # Another run brings other content (a token made again on the controller): the host's stays.
    again = [{"dest": token, "content": "second\n", "mode": "0640", "keep_content": True}]
    assert cf.change(files=again)[0] == []
    os.chmod(token, 0o644)
    assert [c["path"] for c in cf.change(files=again)[0]] == [token]
    assert (tmp_path / "metrics.token").read_text() == "first\n" and mode(token) == 0o640
