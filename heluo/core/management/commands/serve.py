from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with waitress (static files served locally by WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, port, host, threads, **options):
        from waitress import serve

        from heluo.wsgi import application

        self.stdout.write(f"河洛 Heluo: http://{host}:{port}/  (Ctrl+C 停止 / to stop)")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="heluo")
