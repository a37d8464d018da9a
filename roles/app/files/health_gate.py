#!/usr/bin/python3
"""The health gate of a deploy: run on the host after a switch.

For each application (--spec, a JSON list of {name, url, host, release}, or
one with --url, --host and --release), asks URL (with a Host header, and for
https that name in TLS's SNI, so that the web server picks the application's
certificate) until, for SETTLE seconds in a row, every answer is a 200 that
names RELEASE in its X-Flaskstack-Release header; any other answer starts the
count again. Gives up after TIMEOUT seconds, or at once when FAIL_AFTER answers
in a row came from RELEASE and were not healthy (a release that answers, but
not with 200, is not waited for). The applications are asked side
by side. Prints one JSON line (what it saw: "passed" and, per application,
"apps") and exits 0 when every application passed, 1 otherwise.
Only Python's standard library: it runs with the host's own python3.
"""

import argparse
import http.client
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse


# The certificate is not checked: the gate asks the web server on loopback about
# the application's health; the certificate is the web server's business. One
# context for every request (a new one would load the CA store each time).
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address, with another name in SNI."""

    def __init__(self, address, port, server_name, timeout):
        super().__init__(address, port, timeout=timeout, context=_TLS)
        self._server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = _TLS.wrap_socket(sock, server_hostname=self._server_name)


def fetch(url, host, timeout, headers=None):
    """One GET of URL with a Host header (and HEADERS): (status, response
    headers, body, error); the response's parts are None after an error."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = _NamedHTTPSConnection(parts.hostname, parts.port or 443, host.split(":")[0], timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/", headers={**(headers or {}), "Host": host, "Connection": "close"})
        response = conn.getresponse()
        body = response.read()
        return response.status, response.headers, body, None
    except OSError as exc:
        return None, None, None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def ask(url, host, timeout):
    """One GET: (status, release, error)."""
    status, headers, _, error = fetch(url, host, timeout)
    return status, headers.get("X-Flaskstack-Release") if headers is not None else None, error


def gate(url, host, release, timeout=60.0, settle=3.0, pause=0.2, fail_after=0, clock=time.monotonic, sleep=time.sleep):
    """Wait for RELEASE to be healthy; return (passed, report)."""
    start = clock()
    healthy_since = None
    unhealthy = 0
    report = {"url": url, "release": release, "requests": 0, "healthy_answers": 0}
    while True:
        status, seen, error = ask(url, host, timeout=min(10.0, max(timeout, 1.0)))
        now = clock()
        report.update(requests=report["requests"] + 1, last_status=status, last_release=seen, last_error=error)
        if status == 200 and seen == release:
            report["healthy_answers"] += 1
            unhealthy = 0
            healthy_since = now if healthy_since is None else healthy_since
            if now - healthy_since >= settle:
                report["seconds"] = round(now - start, 1)
                return True, report
        else:
            healthy_since = None
            # The new release itself answered, and not with 200: it is unhealthy.
            unhealthy = unhealthy + 1 if seen == release else 0
            if fail_after and unhealthy >= fail_after:
                report.update(seconds=round(now - start, 1), failed_fast=True, unhealthy_in_a_row=unhealthy)
                return False, report
        if now - start >= timeout:
            report["seconds"] = round(now - start, 1)
            return False, report
        sleep(pause)


def gate_all(targets, timeout=60.0, settle=3.0, pause=0.2, fail_after=0):
    """gate() for every target ({name, url, host, release}) side by side; (passed, reports)."""
    reports = [None] * len(targets)

    def one(index):
        target = targets[index]
        passed, report = gate(target["url"], target["host"], target["release"], timeout, settle, pause, fail_after)
        reports[index] = dict(report, name=target.get("name", target["host"]), passed=passed)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return all(r["passed"] for r in reports), reports


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--spec", help="a JSON list of {name, url, host, release}")
    parser.add_argument("--url")
    parser.add_argument("--host")
    parser.add_argument("--release")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=0.2)
    parser.add_argument("--fail-after", type=int, default=0, help="give up after this many unhealthy answers of RELEASE in a row (0: never)")
    args = parser.parse_args(argv)
    targets = json.loads(args.spec) if args.spec else []
    if args.url:
        targets.append({"name": args.host, "url": args.url, "host": args.host, "release": args.release})
    if not targets or not all(t.get("url") and t.get("host") and t.get("release") for t in targets):
        parser.error("give --spec, or --url, --host and --release")
    passed, reports = gate_all(targets, args.timeout, args.settle, args.pause, args.fail_after)
    print(json.dumps({"passed": passed, "apps": reports}))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
