"""Dutch charts now write numbers with a decimal comma: stored charts are
drawn again the next time they are shown (from the stored result, so the
figures stay what was published)."""

from django.db import migrations


def forget_charts(apps, schema_editor):
    apps.get_model("results", "PublishedChart").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("results", "0002_drop_answer_table")]

    operations = [migrations.RunPython(forget_charts, migrations.RunPython.noop)]
