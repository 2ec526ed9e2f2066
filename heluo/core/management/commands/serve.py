import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with waitress (static files served locally by WhiteNoise), with a job worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            dest="worker",
            action="store_false",
            default=settings.HELUO_SERVE_WORKER,
            help="do not start `heluo worker` beside the server (HELUO_SERVE_WORKER=0; run workers yourself)",
        )

    def handle(self, *args, port, host, threads, worker, **options):
        from waitress import serve

        from heluo.wsgi import application

        proc = self.start_worker() if worker and settings.HELUO_TASKS == "database" else None
        previous = signal.getsignal(signal.SIGTERM)
        if proc is not None:  # `kill` (SIGTERM) stops the worker too, as Ctrl+C does
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"河洛 Heluo: http://{host}:{port}/  (Ctrl+C 停止 / to stop)")
        self.stdout.flush()
        try:
            serve(application, host=host, port=port, threads=threads, ident="heluo", max_request_body_size=settings.HELUO_REQUEST_MAX_BYTES)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def start_worker(self):
        """The job worker as a process of its own: an import's memory and time are never the web server's."""
        command = [sys.executable, "-m", "heluo.cli", "worker", "--no-reload", "--no-startup-delay", "--verbosity", "0"]
        proc = subprocess.Popen(command, env=os.environ.copy())
        self.stdout.write(f"后台任务进程 / job worker: pid {proc.pid}")
        return proc
