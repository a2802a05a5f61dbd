"""Observation.is_critical: the measures behind an A-class flag, masked for business users."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_add_declaration_risk_inputs"),
    ]

    operations = [
        migrations.AddField(
            model_name="observation",
            name="is_critical",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="Urgent medical follow-up required"
            ),
        ),
    ]
