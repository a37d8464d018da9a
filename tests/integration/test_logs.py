"""The logs, as someone who follows one request would read them: the web
server's access log of each application (/var/log/flaskstack/NAME.access.log,
one JSON object a line) has the request with its ID; the ID is the web
server's own unless the request came from a trusted source (the lab trusts
loopback: flaskstack_request_id_from), the client gets it back, and the app
server's line for the same request in the journal carries it too. A forced
rotation under traffic loses no line, and the health checks are left out of
the access log when asked."""

import json
import shlex
import time
import uuid

from stacklib import app_endpoint, curl_command, fetch_app

from ansible_collections.flaskstack.deploy.plugins.module_utils import access_logs

# The journal fields that say which unit or container wrote a line.
IDENTITY_FIELDS = ("_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER", "CONTAINER_NAME", "CONTAINER_TAG")


def lab_address(host):
    """An address of the lab host that is not loopback (not a trusted source)."""
    address = host.check_output("hostname -I").split()[0]
    assert not address.startswith("127."), address
    return address


def logged(host, path, marker):
    """The lines of the access log at PATH whose user agent is MARKER."""
    text = host.check_output(f"grep -F -- {shlex.quote(marker)} {path} || true")
    return [json.loads(line) for line in text.splitlines() if json.loads(line)["user_agent"] == marker]


def wait_for(check, seconds=15):
    """CHECK's result once it is true (the journal writes a moment later), or its last one."""
    deadline = time.time() + seconds
    while True:
        result = check()
        if result or time.time() > deadline:
            return result
        time.sleep(0.5)


def app_server_lines(host, app, request_id):
    """The journal lines of the app server of APP (its unit, its container) that name REQUEST_ID."""
    text = host.check_output(f"journalctl -o json --since=-10min --no-pager | grep -F -- {shlex.quote('request_id=' + request_id)} || true")
    entries = [json.loads(line) for line in text.splitlines()]
    return [e for e in entries if any(app["unit_name"] in str(e.get(field, "")) for field in IDENTITY_FIELDS)]


def request(host, app, marker, request_id, address="127.0.0.1"):
    """A page of APP through the web server, sent with X-Request-ID: REQUEST_ID."""
    response = fetch_app(host, app, app["url_prefix"], headers={access_logs.HEADER: request_id, "User-Agent": marker}, address=address)
    assert response.status == 200, (app["name"], response.status, response.body[:300])
    return response


def test_a_request_is_followed_by_its_id_from_the_web_server_to_the_app_server(host, apps):
    address = lab_address(host)
    problems = []
    for app in apps:
        marker = f"flaskstack-logs-{uuid.uuid4().hex}"
        # From an address that is not trusted: the client's ID is not taken.
        sent = f"client-{uuid.uuid4().hex}"
        own = request(host, app, marker + "-own", sent, address).headers.get(access_logs.HEADER.lower())
        # From loopback, a trusted source: its ID is the request's.
        given = f"proxy-{uuid.uuid4().hex}"
        kept = request(host, app, marker + "-given", given).headers.get(access_logs.HEADER.lower())
        if not own or own == sent:
            problems.append(f"{app['name']}: an untrusted client's ID {sent} answered as {own}")
        if kept != given:
            problems.append(f"{app['name']}: a trusted source's ID {given} answered as {kept}")
        for suffix, request_id in (("-own", own), ("-given", given)):
            lines = logged(host, app["access_log"], marker + suffix)
            if len(lines) != 1:
                problems.append(f"{app['name']}: {len(lines)} access log lines for one request ({marker + suffix})")
                continue
            (line,) = lines
            if list(line) != list(access_logs.FIELDS):
                problems.append(f"{app['name']}: the access log's fields are {list(line)}")
            if line["request_id"] != request_id or line["status"] != 200 or line["method"] != "GET":
                problems.append(f"{app['name']}: the access log line {line} is not that of request {request_id}")
            if any(not isinstance(line[field], int) for field in access_logs.NUMBERS):
                problems.append(f"{app['name']}: {access_logs.NUMBERS} are not all numbers in {line}")
            if request_id and not wait_for(lambda: app_server_lines(host, app, request_id)):
                problems.append(f"{app['name']}: no line of its app server in the journal names request_id={request_id}")
    assert not problems, "\n".join(problems)


def test_the_health_checks_are_left_out_of_the_access_log_when_asked(host, apps, hostvars):
    logs_checks = hostvars.get("flaskstack_access_log_health", True)
    app = apps[0]
    marker = f"flaskstack-health-{uuid.uuid4().hex}"
    health_path = app["check_paths"][0]
    health = fetch_app(host, app, health_path, headers={"User-Agent": marker})
    assert health.status == 200
    # A page after it: logged whatever the setting, so the health check's line would be written by now.
    request(host, app, marker, "after-the-health-check")
    paths = [line["uri"] for line in logged(host, app["access_log"], marker)]
    expected = ([health_path] if logs_checks else []) + [app["url_prefix"]]
    assert paths == expected, f"flaskstack_access_log_health is {logs_checks}"


def test_a_forced_rotation_under_traffic_loses_no_line(host, apps, pairing):
    app = apps[0]
    marker = f"flaskstack-rotate-{uuid.uuid4().hex}"
    scheme, port = app_endpoint(app)
    curl = curl_command(app["url_prefix"], app["server_names"][0], port, {"User-Agent": marker}, scheme).replace(" -i ", " -o /dev/null ")
    stop = f"/tmp/{marker}.stop"
    # Requests one after the other until the rotation is over (at least 50, at most 2000).
    script = (
        f"n=0; while [ $n -lt 2000 ] && {{ [ $n -lt 50 ] || [ ! -e {stop} ]; }}; do {curl} || exit 1; n=$((n+1)); done; echo $n"
    )
    rule = access_logs.LOGROTATE.format(web_server=pairing[1])
    result = host.run(
        f"( {script} ) > /tmp/{marker}.count & sleep 1; logrotate -f {rule}; rotated=$?; sleep 1.5; touch {stop}; wait $!; "
        f"sent=$?; rm -f {stop}; [ $sent -eq 0 ] && exit $rotated || exit 99"
    )
    assert result.rc == 0, (result.rc, result.stdout, result.stderr)
    sent = int(host.check_output(f"cat /tmp/{marker}.count && rm -f /tmp/{marker}.count"))
    before = len(logged(host, app["access_log"] + ".1", marker))
    after = len(logged(host, app["access_log"], marker))
    assert before > 0 and after > 0, f"the rotation did not fall between the requests ({before} before, {after} after)"
    assert before + after == sent, f"{sent} requests sent, {before} + {after} lines logged"
