"""The request metrics of an application, the same under every app server (part of every release, in wsgi/).

The WSGI entry point (flaskstack_wsgi.py) calls prepare() before it imports the
application and wraps the application with instrument(). Every worker process
counts its requests with the Prometheus client's multiprocess mode, in a
directory of the app server's private /tmp (emptied when its unit or container
starts); the counts of workers that ended stay in the totals, as counters
should. The metrics are read through the web server like any request, at a
reserved path, by the host's metrics exporter only: an answer needs the token
of the application's token file (readable by root and the application), and
any other request for that path goes to the application as usual.

Nothing here fails the application: without the Prometheus client in its
environment, or without its token file, it is served as it is, uncounted.
"""

import hmac
import os
import re
import time

# The methods counted by name; any other is counted as "other" (a client can
# send any word, and each would be a new series).
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Seconds; the 95th percentile alert and the dashboard read these.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TOKEN_HEADER = "HTTP_X_FLASKSTACK_METRICS_TOKEN"
DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare(directory):
    """Point the Prometheus client's multiprocess mode at DIRECTORY (unless the
    application's settings name one), before anything imports the client:
    it reads the variable once, at its import. The directory in use."""
    directory = os.environ.setdefault(DIRECTORY_VARIABLE, directory)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        pass
    return directory


def read_token(path):
    """The token in a token file: its last line that is not a comment ("" when none)."""
    try:
        with open(path, encoding="ascii") as handle:
            lines = [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]
    except (OSError, ValueError):
        return ""
    return lines[-1] if lines else ""


def _proc_stat(pid):
    """(parent pid, uid, command line with its numbers left out) of a process;
    OSError when it is gone."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        # The command name (in parentheses) may hold spaces: the fields follow the last ")".
        parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
    uid = os.stat(f"/proc/{pid}").st_uid
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        # uWSGI names its workers "NAME uWSGI worker 1", "... 2" and so on.
        return parent, uid, re.sub(rb"[0-9]+", b"#", handle.read())


def count_workers(pid=None, proc_entries=None, stat=_proc_stat):
    """The worker processes of the app server this process is one of: itself
    and its siblings of the same user and command line (but for numbers).
    Under Gunicorn and uWSGI the workers are the children of one master,
    under mod_wsgi the daemon processes of one group (display-name) are the
    children of Apache (whose other children have another command line)."""
    pid = os.getpid() if pid is None else pid
    try:
        parent, uid, cmdline = stat(pid)
        entries = os.listdir("/proc") if proc_entries is None else proc_entries
    except (OSError, ValueError, IndexError):
        return 1
    count = 0
    for entry in entries:
        if not str(entry).isdigit():
            continue
        try:
            if stat(int(entry)) == (parent, uid, cmdline):
                count += 1
        except (OSError, ValueError, IndexError):
            continue
    return max(count, 1)


def _ended_processes(directory, alive=lambda pid: os.path.exists(f"/proc/{pid}")):
    """The pids of the "live" gauges' files whose processes have ended."""
    pids = set()
    try:
        names = os.listdir(directory)
    except OSError:
        return pids
    for name in names:
        if name.startswith("gauge_live") and name.endswith(".db"):
            pid = name[: -len(".db")].rsplit("_", 1)[-1]
            if pid.isdigit() and not alive(int(pid)):
                pids.add(int(pid))
    return pids


class _Finished:
    """The application's answer, passed on; the request is counted once, when
    the app server closes it (after the last byte, or when the client went)."""

    def __init__(self, result, finish):
        self._result = result
        self._finish = finish

    def __iter__(self):
        return iter(self._result)

    def close(self):
        try:
            if hasattr(self._result, "close"):
                self._result.close()
        finally:
            self._finish()


def instrument(application, name, path, token_file, labels=None):
    """APPLICATION counted: requests by method and status, their duration,
    those in progress; PATH answers the metrics to the bearer of the token in
    TOKEN_FILE. LABELS: constant information about this release (release,
    app_server, runtime) for the metric flaskstack_app_info."""
    token = read_token(token_file)
    try:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
        from prometheus_client import multiprocess
        from prometheus_client.core import GaugeMetricFamily
        from prometheus_client.exposition import CONTENT_TYPE_LATEST
    except ImportError:
        return application
    directory = os.environ.get(DIRECTORY_VARIABLE, "")
    if not directory or not token:
        return application

    # registry=None: the values are written to the directory; they are not
    # registered in the client's default registry, where the application may
    # keep its own metrics.
    requests = Counter("flaskstack_http_requests", "HTTP requests answered by the application.", ["app", "method", "status"], registry=None)
    duration = Histogram(
        "flaskstack_http_request_duration_seconds", "Time from the request's arrival in the application to its last byte.", ["app"],
        buckets=BUCKETS, registry=None,
    )  # fmt: skip
    in_progress = Gauge(
        "flaskstack_http_requests_in_progress", "Requests the application is answering now.", ["app"], multiprocess_mode="livesum", registry=None
    )
    # The series of this application that every request touches, looked up once.
    in_flight = in_progress.labels(name)
    timed = duration.labels(name)
    info = dict(labels or {})

    class _Process:
        """What is measured when the metrics are asked for, not counted."""

        def collect(self):
            workers = GaugeMetricFamily("flaskstack_app_workers", "Worker processes of the application's app server.", labels=["app"])
            workers.add_metric([name], count_workers())
            yield workers
            about = GaugeMetricFamily("flaskstack_app_info", "The application's release, app server and runtime.", labels=["app", *sorted(info)])
            about.add_metric([name, *(str(info[key]) for key in sorted(info))], 1)
            yield about

    def metrics():
        for pid in _ended_processes(directory):
            multiprocess.mark_process_dead(pid, directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        registry.register(_Process())
        return generate_latest(registry)

    expected = token.encode("ascii")

    def counted(environ, start_response):
        if environ.get("PATH_INFO") == path and hmac.compare_digest(environ.get(TOKEN_HEADER, "").encode("latin-1"), expected):
            body = metrics()
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
            return [body]
        if environ.get("flaskstack.probe"):
            # The release's own check before any traffic: not a request of a user.
            return application(environ, start_response)
        method = environ.get("REQUEST_METHOD", "").upper()
        method = method if method in METHODS else "other"
        started = time.perf_counter()
        status = {}
        done = []
        in_flight.inc()

        def finish(default="500"):
            if done:
                return
            done.append(True)
            in_flight.dec()
            requests.labels(name, method, status.get("code", default)).inc()
            timed.observe(time.perf_counter() - started)

        def start(line, headers, exc_info=None):
            status["code"] = str(line)[:3]
            return start_response(line, headers, exc_info)

        try:
            result = application(environ, start)
        except BaseException:
            # The app server answers 500 for an exception the application raised.
            finish()
            raise
        return _Finished(result, finish)

    return counted
