"""The check of a new release before it gets any traffic (part of every release, in wsgi/).

Run by the deploy as its app server will run the release (its user, settings,
directory and sandbox, in a transient systemd unit): imports the release's
WSGI entry point and asks it, in this process, for its health path, as the web
server would ask it (the same Host, scheme and forwarded headers). No request
of a user reaches the release, nor does this one reach a socket.

Exit status: 0 when the health path answered 200 and named this release in
X-Flaskstack-Release; 10 when the entry point could not be imported (the
traceback on stderr); 11 when the answer was not healthy (its status and body
on stderr). Only Python's standard library.
"""

import argparse
import importlib
import io
import json
import sys
import traceback

IMPORT_FAILED = 10
UNHEALTHY = 11


def environ_for(path, host, scheme, prefix, remote_addr="127.0.0.1"):
    """A WSGI environ for GET path, as a request through the web server on the host looks."""
    server_name, _, port = host.partition(":")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": server_name,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "HTTP_HOST": host,
        "HTTP_X_FORWARDED_FOR": remote_addr,
        "HTTP_X_FORWARDED_PROTO": scheme,
        "HTTP_X_FORWARDED_HOST": host,
        "HTTP_X_FORWARDED_PREFIX": prefix,
        "HTTP_USER_AGENT": "flaskstack-probe",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": True,
        # An application may tell this request from a user's (it should not need to).
        "flaskstack.probe": True,
    }


def call(application, environ):
    """(status code, headers, body) of one request to a WSGI application."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(seen["status"].split()[0]), dict((k.lower(), v) for k, v in seen["headers"]), body


def probe(module, path, host, scheme, prefix, release):
    """The probe's exit status, and what it reports."""
    try:
        application = importlib.import_module(module).application
    except BaseException:  # noqa: BLE001 - whatever the application raises at import is the import's failure
        return IMPORT_FAILED, {"error": traceback.format_exc()}
    try:
        status, headers, body = call(application, environ_for(path, host, scheme, prefix))
    except BaseException:  # noqa: BLE001 - an exception in the health view is an unhealthy answer
        return UNHEALTHY, {"status": None, "error": traceback.format_exc()}
    report = {"status": status, "release": headers.get("x-flaskstack-release"), "body": body[:2000].decode("utf-8", "replace")}
    healthy = status == 200 and report["release"] == release
    return (0 if healthy else UNHEALTHY), report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--module", default="flaskstack_wsgi")
    parser.add_argument("--path", required=True, help="the health path, with the URL prefix")
    parser.add_argument("--host", required=True)
    parser.add_argument("--scheme", default="http", choices=["http", "https"])
    parser.add_argument("--prefix", default="")
    parser.add_argument("--release", required=True)
    args = parser.parse_args(argv)
    rc, report = probe(args.module, args.path, args.host, args.scheme, args.prefix, args.release)
    if rc == IMPORT_FAILED:
        sys.stderr.write(report["error"])
    elif rc == UNHEALTHY:
        sys.stderr.write(
            report.get("error")
            or f"GET {args.path} answered {report['status']} (release {report['release'] or 'not named'}): {report['body'].strip()}\n"
        )
    print(json.dumps(report))
    return rc


if __name__ == "__main__":
    sys.exit(main())
