"""The demo reset (`heluo demo --reset`) must work on PostgreSQL too, where the trigger of 0002 refuses to
delete voucher events. The trigger now lets one narrow case through: a DELETE (never an UPDATE) of an event
of an *example* programme (``is_example``), in a transaction that has set ``heluo.demo_reset`` to ``on``
(``SELECT set_config('heluo.demo_reset', 'on', true)``, local to that transaction). Only
heluo.demo.vouchers.reset_demo_vouchers sets it. A real programme's events stay undeletable whatever a
session sets; anyone able to change ``is_example`` by SQL could as well drop the trigger, so this opens
nothing a database owner did not already have. SQLite relies on the model's guard, as before.
"""
from django.db import migrations

WITH_BYPASS = """
CREATE OR REPLACE FUNCTION vouchers_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('heluo.demo_reset', true) = 'on'
       AND EXISTS (SELECT 1 FROM vouchers_programme p WHERE p.id = OLD.programme_id AND p.is_example) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'voucher events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
WITHOUT_BYPASS = """
CREATE OR REPLACE FUNCTION vouchers_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'voucher events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WITH_BYPASS, params=None)  # no parameters: the % in the message stays literal


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WITHOUT_BYPASS, params=None)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0004_crosscity_models_and_dates")]
    operations = [migrations.RunPython(forwards, backwards)]
