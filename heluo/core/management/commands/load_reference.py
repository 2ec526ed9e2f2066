from django.core.management.base import BaseCommand

from heluo.core.reference import load_city


class Command(BaseCommand):
    requires_system_checks = []
    help = "Load (or update) a city's reference data: areas, planning zones, taxonomies, clusters, talent programmes."

    def add_arguments(self, parser):
        parser.add_argument("--city", default="luoyang")

    def handle(self, *args, city, **options):
        counts = load_city(city)
        if options["verbosity"]:
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
