"""A random token per broadcast, the first part of its clientmsgids (ids repeat after a database
reset). Existing broadcasts get one each."""

import secrets

from django.db import migrations, models

import weizheng.broadcasts.models


def give_tokens(apps, schema_editor):
    Broadcast = apps.get_model("broadcasts", "Broadcast")
    for pk in Broadcast.objects.filter(send_token="").values_list("pk", flat=True).iterator():
        Broadcast.objects.filter(pk=pk).update(send_token=secrets.token_hex(4))


class Migration(migrations.Migration):
    dependencies = [("broadcasts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="broadcast",
            name="send_token",
            field=models.CharField(default="", editable=False, max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(give_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="broadcast",
            name="send_token",
            field=models.CharField(
                default=weizheng.broadcasts.models.new_send_token, editable=False, max_length=16
            ),
        ),
    ]
