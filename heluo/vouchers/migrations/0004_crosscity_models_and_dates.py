# Cross-city recognition: the agreement's model, our code at the partner, and when/what the partner paid.

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('vouchers', '0003_partner_cities_and_risk_flags'),
    ]

    operations = [
        migrations.AddField(
            model_name='partnercity',
            name='our_code',
            field=models.CharField(blank=True, help_text="how the partner's platform identifies us in signed calls (default: our city's area code)", max_length=20, verbose_name='our code at the partner'),
        ),
        migrations.AddField(
            model_name='partnercity',
            name='redemption_model',
            field=models.CharField(choices=[('tongdui', 'Provider redeems (enterprise applies, provider redeems)'), ('tongyong', 'Enterprise is reimbursed (enterprise applies, enterprise redeems)')], default='tongdui', help_text="Whether the partner's providers redeem our vouchers, or the enterprise pays and is reimbursed at home", max_length=10, verbose_name='cross-city model'),
        ),
        migrations.AddField(
            model_name='partnerredemption',
            name='enterprise_uscc',
            field=models.CharField(blank=True, help_text="the voucher holder's code, which the partner checks with the number", max_length=18, verbose_name="enterprise's unified social credit code"),
        ),
        migrations.AddField(
            model_name='partnerredemption',
            name='redeemed_at',
            field=models.DateTimeField(blank=True, help_text="when the partner's bureau accepted the redemption", null=True, verbose_name='redeemed at'),
        ),
        migrations.AddField(
            model_name='partnerredemption',
            name='settled_amount',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), help_text='paid by the partner city, as it last told us', max_digits=14, verbose_name='settled'),
        ),
    ]
