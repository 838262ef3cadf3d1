"""Synonyms every account shares: the official name and the name citizens use."""

from django.db import migrations

PAIRS = [
    ("公积金", "住房公积金"),
    ("社保", "社会保险"),
    ("医保", "医疗保险"),
    ("养老金", "养老保险"),
    ("身份证", "居民身份证"),
    ("户口", "户籍"),
    ("低保", "最低生活保障"),
    ("驾照", "驾驶证"),
    ("违章", "交通违法"),
    ("房产证", "不动产"),
    ("暂住证", "居住证"),
    ("执照", "营业执照"),
    ("公租房", "公共租赁住房"),
    ("廉租房", "公共租赁住房"),
    ("出国", "出入境"),
]


def forwards(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for term, synonym in PAIRS:
        Synonym.objects.get_or_create(account=None, term=term, synonym=synonym)


def backwards(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for term, synonym in PAIRS:
        Synonym.objects.filter(account=None, term=term, synonym=synonym).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(forwards, backwards)]
