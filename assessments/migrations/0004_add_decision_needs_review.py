"""Decision.needs_review: set when the client's health-check consent is withdrawn (B31)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_create_products_decisions_emergencies_followups"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="needs_review",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="Review requested"
            ),
        ),
    ]
