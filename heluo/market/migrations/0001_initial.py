# The technology market's first migration: empty, so that each part's own migration can start from it.

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations: list = []
