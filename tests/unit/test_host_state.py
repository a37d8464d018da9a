"""Unit tests for what stack_info reads of a host (module_utils/host_state.py), on this machine."""

import datetime
import hashlib
import os
import subprocess

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_paths_are_described_as_ansible_stat_would(tmp_path):
    (tmp_path / "file").write_text("hello\n")
    os.chmod(tmp_path / "file", 0o640)
    (tmp_path / "dir").mkdir()
    os.symlink("releases/abc", tmp_path / "link")
    state = host_state.gather({"paths": [str(tmp_path / n) for n in ("file", "dir", "link", "nothing")]}, run)
    info = state["paths"]
    file_ = info[str(tmp_path / "file")]
    assert (file_["type"], file_["mode"], file_["checksum"]) == ("file", "0640", hashlib.sha1(b"hello\n").hexdigest())
    assert info[str(tmp_path / "dir")]["type"] == "directory"
    assert (info[str(tmp_path / "link")]["type"], info[str(tmp_path / "link")]["target"]) == ("link", "releases/abc")
    assert info[str(tmp_path / "nothing")] == {"exists": False}
    assert state["cpus"] >= 1 and state["python_version"].count(".") == 2


def test_secret_files_are_compared_never_digested(tmp_path):
    secret = tmp_path / "secrets.env"
    secret.write_text('KEY="v"\n')
    digest = hashlib.sha1(b'KEY="v"\n').hexdigest()
    state = host_state.gather({"expect": {str(secret): digest}, "stat_only": [str(tmp_path / "key.pem")]}, run)
    assert state["paths"][str(secret)]["matches"] is True
    assert "checksum" not in state["paths"][str(secret)]
    state = host_state.gather({"expect": {str(secret): "0" * 40}}, run)
    assert state["paths"][str(secret)]["matches"] is False
    assert host_state.path_differs(state, str(secret), "file", content="")


def test_globs_find_hidden_markers(tmp_path):
    for name in ("r1", "r2"):
        (tmp_path / name).mkdir()
    (tmp_path / "r1" / ".flaskstack-release").write_text("{}")
    state = host_state.gather({"globs": [f"{tmp_path}/*", f"{tmp_path}/*/.flaskstack-release"]}, run)
    assert state["globs"][f"{tmp_path}/*"] == [str(tmp_path / "r1"), str(tmp_path / "r2")]
    assert state["globs"][f"{tmp_path}/*/.flaskstack-release"] == [str(tmp_path / "r1" / ".flaskstack-release")]
    assert state["paths"][str(tmp_path / "r1" / ".flaskstack-release")]["exists"]


def test_users_groups_packages_and_files():
    state = host_state.gather({"users": ["root", "no-such-user"], "groups": ["root", "no-such-group"], "packages": ["dpkg", "no-such-package"], "read": ["/etc/hostname", "/nonexistent"]}, run)
    assert state["users"]["root"]["home"] == "/root" and state["users"]["no-such-user"] is None
    assert state["groups"]["root"] == {"gid": 0} and state["groups"]["no-such-group"] is None
    assert state["packages"]["dpkg"] and state["packages"]["no-such-package"] is None
    assert state["contents"]["/nonexistent"] is None


def test_unit_states_from_systemctl_show():
    shown = (
        "Id=flaskstack-demo.socket\nLoadState=loaded\nActiveState=active\nSubState=listening\nUnitFileState=enabled\nMainPID=0\n"
        "ActiveEnterTimestamp=Sun 2026-12-06 19:03:49 UTC\n\n"
        "Id=nginx.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nMainPID=0\n"
    )
    states = host_state.unit_states(["flaskstack-demo.socket", "nginx.service"], lambda argv: (0, shown, ""))
    assert states["flaskstack-demo.socket"] == {"load_state": "loaded", "active_state": "active", "sub_state": "listening", "unit_file_state": "enabled", "main_pid": 0,
                                                "active_since": "Sun 2026-12-06 19:03:49 UTC"}  # fmt: skip
    assert states["nginx.service"]["load_state"] == "not-found"
    # No systemd to ask: every unit counts as not found.
    assert host_state.unit_states(["x.service"], lambda argv: (1, "", "no systemd"))["x.service"]["load_state"] == "not-found"


@pytest.fixture
def certificate(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "demo.test")])
    end = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("demo.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    path = tmp_path / "fullchain.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path), end.timestamp()


def test_certificates_are_read_with_openssl(certificate, tmp_path):
    path, end = certificate
    state = host_state.gather({"certificates": [path, str(tmp_path / "none.pem")]}, run)
    info = state["certificates"][path]
    assert info["names"] == ["demo.test", "127.0.0.1"] and info["self_signed"] and info["not_after"] == int(end)
    assert state["certificates"][str(tmp_path / "none.pem")] is None


def test_what_a_task_would_change():
    state = {"paths": {
        "/f": {"exists": True, "type": "file", "owner": "root", "group": "demo", "mode": "0640", "checksum": hashlib.sha1(b"x\n").hexdigest()},
        "/l": {"exists": True, "type": "link", "target": "/a", "mode": "0777"},
        "/gone": {"exists": False},
    }}  # fmt: skip
    assert not host_state.path_differs(state, "/f", "file", "root", "demo", "0640", "x\n")
    assert not host_state.path_differs(state, "/f", "file", "root", "demo", "640")
    assert host_state.path_differs(state, "/f", "file", "root", "demo", "0640", "y\n")
    assert host_state.path_differs(state, "/f", "file", "root", "root", "0640")
    assert host_state.path_differs(state, "/f", "file", "root", "demo", "0644")
    assert host_state.path_differs(state, "/f", "file", mode="u=rw")  # symbolic: let the task decide
    assert host_state.path_differs(state, "/f", "directory")
    assert not host_state.path_differs(state, "/l", "link", target="/a")
    assert host_state.path_differs(state, "/l", "link", target="/b")
    assert host_state.path_differs(state, "/gone", "file")
    assert host_state.path_differs(state, "/f", "absent") and not host_state.path_differs(state, "/gone", "absent")
    assert host_state.path_differs(state, "/not-asked", "file")
    assert not host_state.fields_differ({"a": 1, "b": 2}, {"a": 1})
    assert host_state.fields_differ({"a": 1}, {"a": 2}) and host_state.fields_differ(None, {"a": 1})
    assert host_state.link_target(state, "/l") == "/a" and host_state.link_target(state, "/f") == ""


def test_the_containers_of_each_application():
    listed = "flaskstack-shop-1a\trunning\tUp 5 minutes\tshop\tabc\nflaskstack-shop-2b\texited\tExited (0) 1 minute ago\tshop\told\nother\trunning\tUp\tcart\tx\n"
    seen = []

    def docker(argv):
        seen.append(argv)
        return 0, listed, ""

    states = host_state.container_states(["shop", "wiki"], docker)
    assert states["shop"] == [
        {"name": "flaskstack-shop-1a", "state": "running", "status": "Up 5 minutes", "release": "abc"},
        {"name": "flaskstack-shop-2b", "state": "exited", "status": "Exited (0) 1 minute ago", "release": "old"},
    ]
    assert states["wiki"] == [] and "cart" not in states
    assert seen[0][:4] == ["docker", "ps", "--all", "--filter"]
    # No engine on the host: no containers.
    assert host_state.container_states(["shop"], lambda argv: (_ for _ in ()).throw(FileNotFoundError("docker"))) == {"shop": []}
    assert host_state.container_states([], docker) == {}


def test_pending_upgrades_as_apt_get_simulates_them():
    simulated = (
        "Reading package lists...\nThe following packages will be upgraded:\n  libssl3 openssl tzdata\n"
        "Inst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])\n"
        "Inst openssl [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian:12.12/stable [amd64])\n"
        "Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.12/stable-updates [all])\n"
        "Conf libssl3 (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])\n"
    )
    assert host_state.count_upgrades(simulated) == {"count": 3, "security": 1}
    assert host_state.pending_upgrades(lambda argv: (0, simulated, "")) == {"count": 3, "security": 1}
    assert host_state.pending_upgrades(lambda argv: (100, "", "E: no lists")) is None
    # On this machine: apt-get answers without changing anything.
    assert host_state.gather({"upgrades": True}, run)["upgrades"]["count"] >= 0
