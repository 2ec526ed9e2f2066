"""An inspection item names the Project inspected, no longer its funded application: each item moves to its
application's project, and its cycle to the project's (its number and start, as selectors.inspections.cycle_of
names it), so that 最多查一次 still counts it. An item whose application has no project is deleted: it cannot name a
project, and there is nothing under way to inspect. (A draw made before keeps its recorded inputs, which name
applications: its re-run no longer matches its items.)"""

import django.db.models.deletion
from django.db import migrations, models


def items_on_projects(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before the ALTER TABLEs below
    Item = apps.get_model("projects", "InspectionItem")
    Project = apps.get_model("projects", "Project")
    projects = {p.application_id: p for p in Project.objects.exclude(application=None)}
    for item in Item.objects.all():
        p = projects.get(item.application_id)
        if p is None:
            item.delete()  # its application has no project: nothing to name
            continue
        item.project = p
        item.cycle = f"{p.number}/{p.starts_on.isoformat()}"
        item.save(update_fields=["project", "cycle"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_avoidance_by_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectionitem",
            name="project",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="projects.project",
                verbose_name="project",
            ),
        ),
        migrations.RunPython(items_on_projects, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="inspectionitem", name="projects_inspection_item_once"),
        migrations.RemoveField(model_name="inspectionitem", name="application"),
        migrations.AlterField(
            model_name="inspectionitem",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="inspections", to="projects.project", verbose_name="project"
            ),
        ),
        migrations.AddConstraint(
            model_name="inspectionitem",
            constraint=models.UniqueConstraint(fields=("draw", "project"), name="projects_inspection_item_on_project_once"),
        ),
    ]
