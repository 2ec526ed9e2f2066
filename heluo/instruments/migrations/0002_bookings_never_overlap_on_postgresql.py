"""No two active bookings of an instrument overlap, enforced by PostgreSQL itself: an exclusion constraint over
(instrument, [starts_at, ends_at)) with btree_gist for the equality on the instrument. PostgreSQL only: on SQLite the
booking service checks under the instrument's lock (SQLite serialises writers), so the constraint is added here by
vendor rather than declared on the model."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q

NAME = "instruments_booking_no_overlap"
ACTIVE = ("requested", "approved", "completed")  # models.bookings.ACTIVE when this was written


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def constraint():
    return ExclusionConstraint(
        name=NAME,
        expressions=[
            ("instrument", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=ACTIVE),
    )


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("instruments", "Booking"), constraint())


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("instruments", "Booking"), constraint())


class Migration(migrations.Migration):
    dependencies = [("instruments", "0001_instruments_bookings_evaluations")]

    operations = [
        BtreeGistExtension(),  # does nothing on other databases
        migrations.RunPython(add, remove),
    ]
