# The retailer's objective on a rule set (docs/incentives.md). Rule sets that exist when this runs keep the
# price they had: each field is added with the value that leaves the first rules' price unchanged (base
# fee + route cost, no markup, no basket margin or carbon, no service floor, green by grams), and
# only then does the field's default become a new rule set's (price by three costs, revenue-
# neutral at 7.00, ...: ``pricing.default_terms.DEFAULT_OBJECTIVE``).

import django.core.validators
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_choice_model_fit"),
    ]

    operations = [
        migrations.AddField(
            model_name="incentiveruleset",
            name="basket_margin",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="What you earn on an order's basket before delivery. It is taken off every window (an order brings it) and values the capacity a later order would need.",
                max_digits=8,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="carbon_price_per_kg",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("0.000"),
                help_text="What a kg of CO2e the delivery adds costs you, in your currency: added to each window as its carbon cost (0.20 = 200 per tonne; 0 leaves carbon out).",
                max_digits=6,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="carbon price per kg CO2e (κ)",
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="green_share_max",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=None,
                help_text="Label only the greenest windows of each day, at most this share of them (0.30 = 30 %), each below the day's median grams; the green label's grams limits then do not apply. Empty: label by those limits.",
                max_digits=3,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(1),
                ],
                verbose_name="greenest share for environmental labels",
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="markup",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="Fixed markup only: the amount added to every window's costs (may be negative).",
                max_digits=8,
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="markup_mode",
            field=models.CharField(
                choices=[
                    ("revenue_neutral", "Revenue-neutral: average price = the reference price"),
                    ("logit", "Profit-maximising for the shopper choice model"),
                    ("fixed", "Fixed markup"),
                ],
                default="fixed",
                help_text="How the one markup every window of an offer carries is set. Revenue-neutral keeps the average offered price at the reference price, so shoppers pay what they paid before on average and only the gaps between windows follow your costs.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="pricing_mode",
            field=models.CharField(
                choices=[
                    (
                        "three_costs",
                        "Three costs and your objective",
                    ),
                    ("passthrough", "Base fee + route cost (the first rules)"),
                ],
                default="passthrough",
                help_text="By three costs: every window costs the same markup plus what it really costs you (expected route cost, the capacity it takes from later shoppers, its carbon), minus the basket margin. The base fee and route cost share apply only to the old mode.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="reference_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=None,
                help_text="Revenue-neutral only: the average price of the windows an offer shows, typically the flat delivery fee you charged before.",
                max_digits=8,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AddField(
            model_name="incentiveruleset",
            name="service_floor_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=None,
                help_text="The cheapest window of every open day costs at most this much. Empty: no promise.",
                max_digits=8,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="basket_margin",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("6.00"),
                help_text="What you earn on an order's basket before delivery. It is taken off every window (an order brings it) and values the capacity a later order would need.",
                max_digits=8,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="carbon_price_per_kg",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("0.200"),
                help_text="What a kg of CO2e the delivery adds costs you, in your currency: added to each window as its carbon cost (0.20 = 200 per tonne; 0 leaves carbon out).",
                max_digits=6,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="carbon price per kg CO2e (κ)",
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="green_share_max",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=Decimal("0.30"),
                help_text="Label only the greenest windows of each day, at most this share of them (0.30 = 30 %), each below the day's median grams; the green label's grams limits then do not apply. Empty: label by those limits.",
                max_digits=3,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(1),
                ],
                verbose_name="greenest share for environmental labels",
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="markup",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="Fixed markup only: the amount added to every window's costs (may be negative).",
                max_digits=8,
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="markup_mode",
            field=models.CharField(
                choices=[
                    ("revenue_neutral", "Revenue-neutral: average price = the reference price"),
                    ("logit", "Profit-maximising for the shopper choice model"),
                    ("fixed", "Fixed markup"),
                ],
                default="revenue_neutral",
                help_text="How the one markup every window of an offer carries is set. Revenue-neutral keeps the average offered price at the reference price, so shoppers pay what they paid before on average and only the gaps between windows follow your costs.",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="pricing_mode",
            field=models.CharField(
                choices=[
                    (
                        "three_costs",
                        "Three costs and your objective",
                    ),
                    ("passthrough", "Base fee + route cost (the first rules)"),
                ],
                default="three_costs",
                help_text="By three costs: every window costs the same markup plus what it really costs you (expected route cost, the capacity it takes from later shoppers, its carbon), minus the basket margin. The base fee and route cost share apply only to the old mode.",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="reference_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=Decimal("7.00"),
                help_text="Revenue-neutral only: the average price of the windows an offer shows, typically the flat delivery fee you charged before.",
                max_digits=8,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="incentiveruleset",
            name="service_floor_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                default=Decimal("4.00"),
                help_text="The cheapest window of every open day costs at most this much. Empty: no promise.",
                max_digits=8,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
    ]
