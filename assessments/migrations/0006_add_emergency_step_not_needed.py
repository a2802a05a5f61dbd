"""Emergency steps closed with their emergency carry a flag instead of an English note.

Steps closed that way were stamped with the emergency's own closing time, so the backfill
recognises them without reading (or decrypting) their notes.
"""

from django.db import migrations, models
from django.db.models import F


def flag_steps_closed_with_their_emergency(apps, schema_editor):
    step = apps.get_model("assessments", "EmergencyStep")
    step.objects.filter(
        done_at__isnull=False, emergency__closed_at__isnull=False,
        done_at=F("emergency__closed_at"),
    ).update(not_needed=True)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_store_encrypted_columns_as_binary")]

    operations = [
        migrations.AddField(
            model_name="emergencystep",
            name="not_needed",
            field=models.BooleanField(default=False, editable=False, verbose_name="not needed"),
        ),
        migrations.RunPython(flag_steps_closed_with_their_emergency, migrations.RunPython.noop),
    ]
