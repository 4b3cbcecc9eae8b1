"""The seed documents' cadence (R15) and a greeting template per occasion (R10); both editable."""

from django.db import migrations
from django.utils import timezone

CADENCE = [
    ("stage", "potential", 7),
    ("stage", "intent", 3),
    ("stage", "deal", 30),
    ("grade", "A", 30),
    ("grade", "B", 90),
    ("grade", "C", 180),
    ("segment", "high_value", 7),
    ("segment", "potential", 14),
]

TEMPLATES = [
    ("birthday", "生日祝福", "尊敬的{name}（{title}）：祝您生日快乐，身体健康，工作顺利！——{company}的朋友们敬上"),
    ("anniversary", "合作周年", "尊敬的{name}：今天是{company}与我们合作{years}周年的日子，感谢一路以来的信任与支持，期待继续携手！"),
]


def load(apps, schema_editor):
    now = timezone.now()
    CadenceRule = apps.get_model("followup", "CadenceRule")
    for dimension, value, days in CADENCE:
        CadenceRule.objects.get_or_create(dimension=dimension, value=value,
                                          defaults={"interval_days": days, "updated_at": now})
    GreetingTemplate = apps.get_model("followup", "GreetingTemplate")
    for occasion, name, body in TEMPLATES:
        GreetingTemplate.objects.create(occasion=occasion, name=name, body=body, updated_at=now)


def unload(apps, schema_editor):
    apps.get_model("followup", "CadenceRule").objects.all().delete()
    apps.get_model("followup", "GreetingTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("followup", "0003_cadence_complaints_surveys_greetings")]
    operations = [migrations.RunPython(load, unload)]
