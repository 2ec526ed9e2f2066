"""`heluo serve`: the platform on gunicorn (several worker processes) where it runs, on waitress elsewhere (Windows,
or gunicorn not installed), with one job worker beside it."""

import logging
import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def gunicorn_available() -> bool:
    try:
        import gunicorn.app.base  # noqa: F401  (Unix only: it needs fcntl)
    except ImportError:
        return False
    return True


def warm_up(log=None) -> threading.Thread:
    """Run the apps' warm-ups (heluo.core.registry.warmups) in a daemon thread of this process: a failure is logged,
    never fatal (the first request then does the work itself)."""
    from django.db import connection

    from heluo.core.registry import warmups

    def run():
        for w in warmups():
            try:
                w.run()
            except Exception:  # noqa: BLE001  (a warm-up is an optimisation: whatever it hits, serving goes on)
                logging.getLogger("heluo.serve").exception("warm-up %s failed", w.name)
        connection.close()

    thread = threading.Thread(target=run, name="heluo-warmup", daemon=True)
    thread.start()
    return thread


def limit_body(application, max_bytes: int):
    """Refuse a request body over `max_bytes` (413) as waitress does; gunicorn has no such limit of its own. (A body
    that does not say its length is not read by Django at all.)"""

    def app(environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_bytes:
            start_response("413 Request Entity Too Large", [("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")])
            return ["请求体过大 / Request body too large\n".encode()]
        return application(environ, start_response)

    return app


class Command(BaseCommand):
    help = (
        "Serve the platform: gunicorn with --workers processes (default: one per core) where available, else waitress; "
        "static files by WhiteNoise; one job worker beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--bind", help="gunicorn's bind address instead of --host/--port (e.g. unix:/run/heluo.sock)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("HELUO_SERVE_WORKERS", "0")) or None)
        parser.add_argument("--threads", type=int, default=int(os.environ.get("HELUO_SERVE_THREADS", "8")))
        parser.add_argument("--worker-class", choices=["sync", "gthread"], default=os.environ.get("HELUO_SERVE_WORKER_CLASS", "gthread"))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("HELUO_SERVE_TIMEOUT", "60")))
        parser.add_argument("--server", choices=["auto", "gunicorn", "waitress"], default=os.environ.get("HELUO_SERVER", "auto"))
        parser.add_argument(
            "--no-worker",
            dest="worker",
            action="store_false",
            default=settings.HELUO_SERVE_WORKER,
            help="do not start `heluo worker` beside the server (HELUO_SERVE_WORKER=0; run workers yourself)",
        )

    def handle(self, *args, port, host, bind, workers, threads, worker_class, timeout, server, worker, **options):
        from heluo.wsgi import application

        if server == "auto":
            server = "gunicorn" if gunicorn_available() else "waitress"
        proc = self.start_worker() if worker and settings.HELUO_TASKS == "database" else None
        master = os.getpid()
        previous = signal.getsignal(signal.SIGTERM)
        if proc is not None:  # `kill` (SIGTERM) stops the worker too, as Ctrl+C does
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            if server == "gunicorn":
                self.gunicorn(application, bind or f"{host}:{port}", workers or cores(), threads, worker_class, timeout)
            else:
                self.waitress(application, host, port, threads)
        finally:
            if os.getpid() == master:  # a gunicorn worker leaves through here too: only the master stops the job worker
                signal.signal(signal.SIGTERM, previous)
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()

    def gunicorn(self, application, bind, workers, threads, worker_class, timeout):
        from django.db import connections
        from gunicorn.app.base import BaseApplication

        options = {
            "bind": bind,
            "workers": workers,
            "worker_class": worker_class,
            "threads": threads if worker_class == "gthread" else 1,
            "timeout": timeout,
            "graceful_timeout": timeout,
            "keepalive": 5,
            "backlog": 2048,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": settings.LOGGING["root"]["level"].lower(),
            "proc_name": "heluo",
            "post_worker_init": lambda worker: warm_up(),
        }

        class Gunicorn(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                return limit_body(application, settings.HELUO_REQUEST_MAX_BYTES)

        connections.close_all()  # the workers are forked from here: none may share this process's connection
        self.stdout.write(
            f"河洛 Heluo: http://{bind}/  gunicorn, {workers} × {worker_class} ({options['threads']} threads each)  (Ctrl+C 停止 / to stop)"
        )
        self.stdout.flush()
        Gunicorn().run()

    def waitress(self, application, host, port, threads):
        from waitress import serve

        self.stdout.write(f"河洛 Heluo: http://{host}:{port}/  waitress, {threads} threads  (Ctrl+C 停止 / to stop)")
        self.stdout.flush()
        warm_up()
        serve(application, host=host, port=port, threads=threads, ident="heluo", max_request_body_size=settings.HELUO_REQUEST_MAX_BYTES)

    def start_worker(self):
        """The job worker as a process of its own: an import's memory and time are never the web server's."""
        command = [sys.executable, "-m", "heluo.cli", "worker", "--no-reload", "--no-startup-delay", "--verbosity", "0"]
        proc = subprocess.Popen(command, env=os.environ.copy())
        self.stdout.write(f"后台任务进程 / job worker: pid {proc.pid}")
        return proc
