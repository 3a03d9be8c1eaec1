"""Condoms and soaps are supply items from the start: their handed-out count
comes from the outreach visit's own columns."""

from django.db import migrations


def add_items(apps, schema_editor):
    SupplyItem = apps.get_model("outreach", "SupplyItem")
    for code, name, threshold in (("condoms", "Condoms", 5000), ("soaps", "Soaps", 200)):
        SupplyItem.objects.get_or_create(
            code=code, defaults={"name": name, "unit": "pieces", "low_stock_threshold": threshold}
        )


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_records_for_the_field")]

    operations = [migrations.RunPython(add_items, migrations.RunPython.noop)]
