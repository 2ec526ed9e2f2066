from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0006_settlement_payment_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="budgetcounter",
            name="granted_seq",
            field=models.BigIntegerField(default=0),
        ),
    ]
