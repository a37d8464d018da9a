"""Unit tests for the container runtime: its input checks, names, Dockerfiles and docker commands."""

import io
import json
import struct
import tarfile

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers, layout, releases, schema


def app(**overrides):
    base = {"name": "demo", "source": {"path": "/src/demo"}, "entry_point": "demo:create_app()", "runtime": "container"}
    base.update(overrides)
    return base


SETTINGS = {"memory": "512m", "pids_limit": 512, "network": "bridge", "stop_timeout": 35, "socket_group": "www-data"}


def release_of(lay, found=None):
    found = found or {"digest": "d", "files": ["/src/demo/requirements.txt"], "local": False, "missing": [], "exists": True}
    return releases.app_release(lay, {"demo": "code"}, {"demo": found}, "3.11.2", {"gunicorn_container": ["gunicorn==23.0.0"]}, container_base="base:1")


@pytest.mark.parametrize(
    "reference",
    ["python:3.13-slim", "registry.example.com/shop:1.4", "localhost:5000/team/shop", "shop@sha256:" + "a" * 64, "flaskstack-base:bookworm"],
)
def test_image_references_docker_takes(reference):
    assert containers.image_reference_problem(reference) is None


@pytest.mark.parametrize("reference", ["", "Shop:1", "shop:", "registry.example.com/", "shop:1 2", "-shop", 7])
def test_image_references_docker_refuses(reference):
    assert containers.image_reference_problem(reference)


def test_memory_sizes():
    assert containers.memory_bytes("512m") == 512 * 1024**2
    assert containers.memory_bytes("1g") == 1024**3
    for bad in ("5m", "0", "12x", "-1m", True, None, "1.5g"):
        with pytest.raises(containers.ContainerError):
            containers.memory_bytes(bad)


def test_settings_problems_name_the_variable():
    assert containers.settings_problems(SETTINGS) == []
    problems = containers.settings_problems({"memory": "1m", "pids_limit": 3, "network": "overlay"})
    assert [p.split(":")[0] for p in problems] == ["container_memory", "container_pids_limit", "container_network"]


def test_a_container_application_layout():
    (lay,) = layout.app_layouts([app(shared_dirs=["instance"])])
    assert lay["runtime"] == "container" and lay["served_by"] == "container" and lay["app_server"] == "gunicorn"
    assert lay["socket_path"] == "/srv/flaskstack/demo/app.sock"
    assert lay["upstream_address"] == "unix:/srv/flaskstack/demo/app.sock"
    assert lay["sockets_dir"] == "/srv/flaskstack/demo/sockets"
    assert lay["container_env_file"] == "/etc/flaskstack/demo/container.env"
    assert lay["socket_unit"] is None and lay["app_units"] == [] and lay["runtime_dir"] is None
    (venv,) = layout.app_layouts([app(runtime="virtualenv")])
    assert venv["served_by"] == "gunicorn" and venv["socket_path"] == "/run/flaskstack/demo.sock"


def test_the_collection_wide_runtime_and_an_application_s_own():
    first = {k: v for k, v in app(name="a").items() if k != "runtime"}
    lays = layout.app_layouts([first, app(name="b", runtime="virtualenv")], runtime="container")
    assert [x["runtime"] for x in lays] == ["container", "virtualenv"]


def test_container_input_errors():
    errors = schema.app_errors([app(app_server="mod_wsgi")], web_server="apache")
    assert any("does not run mod_wsgi" in e for e in errors)
    assert any("image.base" in e for e in schema.app_errors([app(image={"base": "Not An Image"})]))
    assert any("only for runtime container" in e for e in schema.app_errors([app(runtime="virtualenv", image={"base": "python:3"})]))
    assert any("line break" in e for e in schema.app_errors([app(secret_env={"KEY": "a\nb"})]))
    assert any("not a runtime" in e for e in schema.app_errors([app(runtime="podman")]))
    assert any("flaskstack_app_runtime" in e for e in schema.app_errors([app()], runtime="lxc"))
    assert schema.app_errors([app(image={"base": "python:3.13-slim"})]) == []


def test_the_base_image_names_the_environment():
    (lay,) = layout.app_layouts([app()])
    one = release_of(lay)
    other = releases.app_release(lay, {"demo": "code"}, {"demo": {"digest": "d", "files": []}}, "3.11.2", {"gunicorn_container": ["gunicorn==23.0.0"]}, container_base="base:2")
    assert one["env_id"] != other["env_id"] and one["id"] != other["id"]
    # The host's Python does not count: the image has its own.
    same = releases.app_release(lay, {"demo": "code"}, {"demo": {"digest": "d", "files": []}}, "3.13.1", {"gunicorn_container": ["gunicorn==23.0.0"]}, container_base="base:1")
    assert same["env_id"] == one["env_id"]


def test_requirement_files_relative_to_the_code():
    found = {"files": ["/src/demo/requirements.txt", "/src/demo/req/base.txt", "/src/demo/gone.txt"], "missing": ["/src/demo/gone.txt"], "local": False}
    assert containers.requirement_files(found, "requirements.txt") == ["requirements.txt", "req/base.txt"]
    assert containers.requirement_files(dict(found, local=True), "requirements.txt") is None
    assert containers.requirement_files({"files": ["/src/demo/requirements.txt"], "exists": False}, "requirements.txt") == []


def test_the_dockerfiles():
    (lay,) = layout.app_layouts([app()])
    rel = release_of(lay)
    files = containers.build_files(rel, "base:1", pip_conf="[global]\n", pip_ca="PEM")
    env = files["env.Dockerfile"]
    assert env.startswith("FROM base:1\n")
    assert "COPY .flaskstack-build/pip.conf /etc/pip.conf" in env and f"COPY .flaskstack-build/pip-ca.pem {containers.PIP_CA_PATH}" in env
    assert f'COPY ["app/requirements.txt", "/tmp/flaskstack-code/requirements.txt"]' in env
    assert f"python3 -m venv {rel['env_dir']}" in env and "gunicorn==23.0.0" in env and "pip check" in env
    dockerfile = files["Dockerfile"]
    assert f"FROM flaskstack/demo-env:{rel['env_id']}" in dockerfile
    assert f"COPY app {rel['dir']}/app" in dockerfile and f"COPY wsgi {rel['dir']}/wsgi" in dockerfile
    assert f"ln -sfn releases/{rel['id']} /srv/flaskstack/demo/current" in dockerfile
    assert "USER ${APP_UID}:${APP_GID}" in dockerfile
    assert files["pip.conf"] == "[global]\n" and files["pip-ca.pem"] == "PEM"
    assert set(containers.build_files(rel, "base:1")) == {"env.Dockerfile", "Dockerfile"}
    # A Python project (install_project): the whole code goes in, and pip installs it.
    project = containers.build_files(dict(rel, project=True, requirements_files=None), "base:1")["env.Dockerfile"]
    assert "COPY app /tmp/flaskstack-code\n" in project and "werkzeug /tmp/flaskstack-code &&" in project
    assert f"ln -sfn ../../shared {rel['env_dir']}/var" in project


def test_docker_environment_file_lines():
    assert containers.env_file_line("KEY", 'a "quoted" $HOME `x` \\ end') == 'KEY=a "quoted" $HOME `x` \\ end'
    assert containers.env_file_line("FLAG", True) == "FLAG=true"
    with pytest.raises(containers.ContainerError):
        containers.env_file_line("KEY", "two\nlines")


def test_the_container_runs_locked_down_on_its_socket():
    (lay,) = layout.app_layouts([app(shared_dirs=["instance"], writable_paths=["/var/lib/demo"])])
    entry = containers.run_entry(lay, {"gunicorn": {"command": ["{venv_dir}/bin/python", "--bind", "unix:{socket}"], "config_files": ["{config_dir}/g.py"]}})
    assert entry["command"] == ["/srv/flaskstack/demo/current/venv/bin/python", "--bind", "unix:/run/flaskstack/app.sock"]
    spec = {"image": "flaskstack/demo:abc", "release": "abc", "command": entry["command"], "config_files": entry["config_files"]}
    argv = containers.run_argv(entry, spec, "flaskstack-demo-x", SETTINGS)
    joined = " ".join(argv)
    for expected in ("--read-only", "--cap-drop ALL", "--security-opt no-new-privileges", "--memory 512m", "--pids-limit 512",
                     "--restart unless-stopped", "--env-file /etc/flaskstack/demo/container.env",
                     "type=bind,source=/srv/flaskstack/demo/shared/instance,target=/srv/flaskstack/demo/shared/instance",
                     "type=bind,source=/var/lib/demo,target=/var/lib/demo",
                     "type=bind,source=/etc/flaskstack/demo/g.py,target=/etc/flaskstack/demo/g.py,readonly",
                     "type=bind,source=/etc/flaskstack/demo/metrics.token,target=/etc/flaskstack/demo/metrics.token,readonly",
                     "type=bind,source=/srv/flaskstack/demo/sockets/flaskstack-demo-x,target=/run/flaskstack"):  # fmt: skip
        assert expected in joined
    assert "--publish" not in argv and "-p" not in argv and "--privileged" not in argv
    assert argv[-3:] == entry["command"]


def test_the_same_spec_names_the_same_container():
    spec = {"image": "flaskstack/demo:abc", "env": "1"}
    assert containers.container_name("demo", spec) == containers.container_name("demo", dict(spec))
    assert containers.container_name("demo", spec) != containers.container_name("demo", dict(spec, env="2"))


def test_a_command_that_names_no_field_is_an_error():
    (lay,) = layout.app_layouts([app()])
    with pytest.raises(containers.ContainerError):
        containers.server_command(["{nope}"], lay)


def test_the_check_runs_in_the_release_image():
    (lay,) = layout.app_layouts([app()])
    rel = release_of(lay)
    item = containers.check_item(rel, SETTINGS, releases.check_item(rel, containers.check_prefix(rel, SETTINGS)))
    assert [s["step"] for s in item["steps"]] == ["environment image", "release image", "probe"]
    probe = item["steps"][2]["argv"]
    assert probe[:3] == ["docker", "run", "--rm"] and f"flaskstack/demo:{rel['id']}" in probe and "--read-only" in probe
    assert item["marker"] == rel["marker"] and item["environment"] == {"DOCKER_BUILDKIT": "0"}


def test_given_image_sources(tmp_path):
    archive = tmp_path / "shop.tar"
    archive.write_bytes(b"not checked here")
    given = {"name": "shop", "entry_point": "shop:app", "runtime": "container"}
    assert schema.app_errors([dict(given, image={"reference": "registry.example.com/shop:1.4"})]) == []
    assert schema.app_errors([dict(given, image={"archive": str(archive), "code_dir": "/code"})]) == []
    missing = schema.app_errors([dict(given, image={"archive": str(tmp_path / "nope.tar")})])
    assert any("is not a file on the controller" in e for e in missing)
    assert any("exactly one of base, dockerfile, reference and archive" in e for e in schema.app_errors([dict(given, image={"reference": "a:1", "archive": str(archive)})]))
    assert any("not used when image.reference" in e for e in schema.app_errors([dict(given, source={"path": "/x"}, image={"reference": "a:1"})]))
    assert any("source is missing" in e for e in schema.app_errors([dict(given, image={"base": "python:3"})]))
    assert any("code_dir: only for an image of the application" in e for e in schema.app_errors([dict(given, source={"path": "/x"}, image={"base": "a:1", "code_dir": "/c"})]))


def test_a_release_on_a_given_image(tmp_path):
    (lay,) = layout.app_layouts([{"name": "shop", "entry_point": "shop:app", "runtime": "container", "image": {"reference": "r.example/shop:1"},
                                  "static_dir": "shop/static"}])  # fmt: skip
    assert lay["image_given"] and lay["image_reference"] == "r.example/shop:1" and lay["source"] == {}
    assert lay["image_archive_copy"] is None
    (tmp_path / "shop.tar").write_bytes(b"")
    (loaded,) = layout.app_layouts([{"name": "shop", "entry_point": "shop:app", "runtime": "container", "image": {"archive": str(tmp_path / "shop.tar")}}])
    assert loaded["image_archive_copy"] == "/var/lib/flaskstack/images/shop.tar"
    one = releases.app_release(lay, {"shop": "image:sha256:1"}, {}, "3.11.2", {"gunicorn": ["gunicorn==23.0.0"]})
    other = releases.app_release(lay, {"shop": "image:sha256:2"}, {}, "3.11.2", {"gunicorn": ["gunicorn==23.0.0"]})
    assert one["id"] != other["id"] and one["env_id"] != other["env_id"]
    with pytest.raises(containers.ContainerError):
        containers.build_files(one, "base:1")
    dockerfile = containers.build_files(one, "base:1", image_ids={"shop": "sha256:1"})["Dockerfile"]
    assert dockerfile.startswith("FROM sha256:1\n") and f"COPY wsgi {one['dir']}/wsgi" in dockerfile
    assert 'code=$(pwd)' in dockerfile and f'ln -sfn "$code" {one["dir"]}/app' in dockerfile and "USER ${APP_UID}:${APP_GID}" in dockerfile
    steps = [s["step"] for s in containers.build_steps(one)]
    assert steps == ["release image", "static files"]


def test_images_to_prune_follow_the_kept_releases():
    labels = {
        "flaskstack/demo:a": {"flaskstack.kind": "release", "flaskstack.release": "a", "flaskstack.env": "e1"},
        "flaskstack/demo:b": {"flaskstack.kind": "release", "flaskstack.release": "b", "flaskstack.env": "e2"},
        "flaskstack/demo-env:e1": {"flaskstack.kind": "env", "flaskstack.env": "e1"},
        "flaskstack/demo-env:e2": {"flaskstack.kind": "env", "flaskstack.env": "e2"},
        "flaskstack/demo-env:e3": {"flaskstack.kind": "env", "flaskstack.env": "e3"},
        "unlabelled:1": {},
    }
    assert sorted(containers.images_to_prune(labels, {"b"})) == ["flaskstack/demo-env:e1", "flaskstack/demo-env:e3", "flaskstack/demo:a"]
    assert containers.images_to_prune(labels, {"a", "b"}) == ["flaskstack/demo-env:e3"]


def test_uwsgi_runs_in_a_container_and_mod_wsgi_does_not():
    assert containers.APP_SERVERS == ("gunicorn", "uwsgi")
    assert schema.app_errors([app(app_server="uwsgi")]) == []
    (lay,) = layout.app_layouts([app(app_server="uwsgi")])
    assert lay["served_by"] == "container" and lay["upstream_address"] == "unix:/srv/flaskstack/demo/app.sock"


def test_each_runtime_gets_its_app_server_s_packages():
    venv, contained = layout.app_layouts([app(name="a", runtime="virtualenv", app_server="uwsgi"), app(name="b", app_server="uwsgi")])
    assert (venv["packages_key"], contained["packages_key"]) == ("uwsgi", "uwsgi_container")
    packages = {"uwsgi": [], "uwsgi_container": ["pyuwsgi==2.0.30"]}
    assert "pyuwsgi==2.0.30" not in releases.env_packages(venv, packages)
    assert releases.env_packages(contained, packages) == ["pyuwsgi==2.0.30", "werkzeug"]


def test_what_the_app_server_says_reaches_the_container():
    (lay,) = layout.app_layouts([app(app_server="uwsgi")])
    servers = {"uwsgi": {"command": ["{venv_dir}/bin/python", "--ini", "{config_dir}/uwsgi.ini", "--socket", "{socket}"], "protocol": "uwsgi",
                         "stop_timeout": "35"}}  # fmt: skip
    entry = containers.run_entry(lay, servers)
    assert entry["command"][-1] == "/run/flaskstack/app.sock" and entry["protocol"] == "uwsgi" and entry["stop_timeout"] == 35
    # The app server's stop timeout, unless container_stop_timeout says otherwise.
    assert containers.stop_timeout(entry, {"stop_timeout": 0}) == 35
    assert containers.stop_timeout(entry, {"stop_timeout": 90}) == 90
    assert containers.stop_timeout(dict(entry, stop_timeout=0), {}) == containers.DEFAULT_STOP_TIMEOUT
    assert "--stop-timeout 35" in " ".join(containers.run_argv(entry, {"image": "i", "release": "r", "command": ["x"]}, "c", dict(SETTINGS, stop_timeout=0)))
    # HTTP when the app server does not say; nothing the container runtime cannot ask.
    assert containers.run_entry(lay, {"uwsgi": {"command": ["x"]}})["protocol"] == "http"
    with pytest.raises(containers.ContainerError):
        containers.run_entry(lay, {"uwsgi": {"command": ["x"], "protocol": "fastcgi"}})


def test_the_health_request_is_the_web_server_s():
    (lay,) = layout.app_layouts([app(url_prefix="/shop/", server_names=["shop.test"], tls=False)])
    request = containers.health_request(lay)
    # The web server takes the prefix off the path and forwards it in a header.
    assert request["path"] == "/health"
    assert request["headers"]["X-Forwarded-Prefix"] == "/shop" and request["headers"]["Host"] == "shop.test"
    assert request["headers"]["X-Forwarded-Proto"] == "http"


def test_a_uwsgi_packet_is_what_nginx_sends():
    packet = containers.uwsgi_packet("/health", {"Host": "shop.test", "X-Forwarded-Prefix": ""})
    modifier1, size, modifier2 = struct.unpack("<BHB", packet[:4])
    assert (modifier1, modifier2) == (0, 0) and size == len(packet) - 4
    variables, rest = {}, packet[4:]
    while rest:
        (klen,) = struct.unpack("<H", rest[:2])
        key, rest = rest[2 : 2 + klen].decode(), rest[2 + klen :]
        (vlen,) = struct.unpack("<H", rest[:2])
        variables[key], rest = rest[2 : 2 + vlen].decode(), rest[2 + vlen :]
    assert variables["REQUEST_METHOD"] == "GET" and variables["PATH_INFO"] == "/health"
    assert variables["HTTP_HOST"] == "shop.test" and variables["HTTP_X_FORWARDED_PREFIX"] == ""
    with pytest.raises(containers.ContainerError):
        containers.uwsgi_packet("/" + "x" * 70000, {})


def test_a_container_that_changes_app_server_moves_like_any_application():
    gunicorn, uwsgi, same = layout.app_layouts([app(name="a"), app(name="b", app_server="uwsgi"), app(name="c")])
    assert gunicorn["server_record"] == "container gunicorn"
    state = {"contents": {"/etc/flaskstack/a/app_server": "gunicorn\n", "/etc/flaskstack/b/app_server": "container gunicorn\n",
                          "/etc/flaskstack/c/app_server": "container\n"}}  # fmt: skip
    servers = ["gunicorn", "uwsgi", "mod_wsgi", "container"]
    moved = layout.moved_apps([gunicorn, uwsgi, same], state, servers)
    # From Gunicorn under systemd into a container; from Gunicorn to uWSGI inside one;
    # a record of an earlier version (no app server) moves nothing.
    assert [(m["app"]["name"], m["from"], m["recorded"]) for m in moved] == [("a", "gunicorn", True), ("b", "gunicorn", True)]


def test_the_application_s_own_dockerfile(tmp_path):
    code = tmp_path / "shop"
    (code / "docker").mkdir(parents=True)
    (code / "docker" / "Dockerfile").write_text("FROM python:3.13-slim\n")
    own = app(name="shop", source={"path": str(code)}, image={"dockerfile": "docker/Dockerfile", "code_dir": "/app"}, static_dir="shop/static")
    assert schema.app_errors([own]) == []
    for bad, said in (
        ({"dockerfile": "Dockerfile"}, "the code (" + str(code) + ") has no file 'Dockerfile'"),
        ({"dockerfile": "../Dockerfile"}, "must be a path in the application's code"),
        ({"dockerfile": "/Dockerfile"}, "must be a path in the application's code"),
        ({"dockerfile": "docker/Dockerfile", "base": "python:3"}, "exactly one of base, dockerfile, reference and archive"),
    ):
        errors = schema.app_errors([dict(own, image=bad)])
        assert any(said in e for e in errors), (bad, errors)
    (lay,) = layout.app_layouts([own])
    assert lay["image_dockerfile"] == "docker/Dockerfile" and not lay["image_given"]
    found = {"digest": "d", "files": [], "local": False, "missing": [], "exists": False}
    one = releases.app_release(lay, {"shop": "code1"}, {"shop": found}, "3.11.2", {"gunicorn_container": ["gunicorn==23.0.0"]}, container_base="b")
    two = releases.app_release(lay, {"shop": "code2"}, {"shop": found}, "3.11.2", {"gunicorn_container": ["gunicorn==23.0.0"]}, container_base="b")
    # The image holds the code: new code, a new image; the app server is the image's own.
    assert one["env_id"] != two["env_id"] and "gunicorn==23.0.0" not in one["pip_packages"]
    files = containers.build_files(one, "base:1")
    assert set(files) == {"Dockerfile"} and files["Dockerfile"].startswith(f"FROM flaskstack/shop-env:{one['env_id']}\n")
    for line in ("ENTRYPOINT []", "HEALTHCHECK NONE", "STOPSIGNAL SIGTERM", f'ln -sfn "$code" {one["dir"]}/app'):
        assert line in files["Dockerfile"]
    assert "code=/app;" in files["Dockerfile"]
    steps = containers.build_steps(one)
    assert [s["step"] for s in steps] == ["application image", "release image", "static files"]
    build = steps[0]["argv"]
    assert build[-3:] == ["-f", f"{one['code_dir']}/docker/Dockerfile", one["code_dir"]]
    assert "flaskstack.kind=env" in build and f"flaskstack.env={one['env_id']}" in build and "--network" in build
    assert steps[2]["argv"][-2] == f"{one['code_dir']}/shop/static"


def _archive(path, manifest):
    data = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as archive:
        layer = tarfile.TarInfo("blobs/sha256/" + "1" * 64)
        archive.addfile(layer, io.BytesIO(b""))
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_the_image_an_archive_holds(tmp_path):
    digest = "ab" * 32
    # docker save's archives, before Docker 25 and since (the OCI layout).
    assert containers.archive_image_id(_archive(tmp_path / "old.tar", [{"Config": f"{digest}.json", "RepoTags": ["shop:1"]}])) == f"sha256:{digest}"
    assert containers.archive_image_id(_archive(tmp_path / "oci.tar", [{"Config": f"blobs/sha256/{digest}"}])) == f"sha256:{digest}"
    # Two images, no manifest, not an archive: it must be loaded to be known.
    assert containers.archive_image_id(_archive(tmp_path / "two.tar", [{"Config": f"{digest}.json"}, {"Config": f"{digest}.json"}])) == ""
    with tarfile.open(tmp_path / "none.tar", "w"):
        pass
    assert containers.archive_image_id(str(tmp_path / "none.tar")) == ""
    (tmp_path / "text.tar").write_text("not an archive")
    assert containers.archive_image_id(str(tmp_path / "text.tar")) == ""


def test_leaving_the_container_runtime_keeps_the_socket_of_the_app_server_that_took_over(tmp_path, monkeypatch):
    """An application that left its container for an app server under systemd:
    the container role's "absent" removes its link to the container's socket,
    never the socket file of the app server now serving it at the same path."""
    import socket as sockets

    from ansible_collections.flaskstack.deploy.plugins.modules import container_app

    monkeypatch.setattr(container_app, "docker", lambda *args, check=True: (0, "", ""))
    monkeypatch.setattr(container_app, "app_containers", lambda name: [])
    monkeypatch.setattr(container_app.containers, "archive_copy", lambda name: str(tmp_path / "no-archive.tar"))

    class Module:
        check_mode = False
        params = {"settings": {}}

    served = tmp_path / "demo.sock"
    listener = sockets.socket(sockets.AF_UNIX)
    listener.bind(str(served))
    app = {"name": "demo", "base_dir": str(tmp_path / "base"), "sockets_dir": str(tmp_path / "sockets"), "socket_path": str(served)}
    container_app.absent(Module(), app, {"removed": []})
    assert served.exists(), "the serving app server's socket was removed"
    listener.close()

    # A container's: the web server's path is a link into the sockets directory; it goes.
    (tmp_path / "sockets" / "flaskstack-demo-1").mkdir(parents=True)
    linked = tmp_path / "cart.sock"
    linked.symlink_to(tmp_path / "sockets" / "flaskstack-demo-1" / "socket")
    container_app.absent(Module(), dict(app, socket_path=str(linked)), {"removed": []})
    assert not linked.is_symlink() and not (tmp_path / "sockets").exists()
