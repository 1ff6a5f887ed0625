# The Membership model is the "access" of the pages and services: one name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0006_rename_response_scanresponse'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel('Membership', 'AccessGrant'),
        migrations.AlterModelOptions(
            name='accessgrant',
            options={'ordering': ['alliance', 'role', 'user__username'], 'verbose_name': 'access grant', 'verbose_name_plural': 'access grants'},
        ),
        migrations.AlterField(
            model_name='accessgrant',
            name='alliance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='access_grants', to='alliances.alliance'),
        ),
        migrations.AlterField(
            model_name='accessgrant',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='access_grants', to=settings.AUTH_USER_MODEL),
        ),
    ]
