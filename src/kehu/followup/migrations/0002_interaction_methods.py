from django.db import migrations

METHODS = [
    ("phone", "电话", "Phone"),
    ("visit", "拜访", "Visit"),
    ("email", "邮件", "E-mail"),
    ("meeting", "会议", "Meeting"),
    ("wechat", "微信", "WeChat"),
    ("website", "官网留言", "Website message"),
    ("store", "门店", "Store"),
    ("trade_show", "展会", "Trade show"),
    ("video", "视频会议", "Video call"),
    ("other", "其他", "Other"),
]


def load(apps, schema_editor):
    InteractionMethod = apps.get_model("followup", "InteractionMethod")
    for position, (code, name_zh, name_en) in enumerate(METHODS):
        InteractionMethod.objects.create(code=code, name_zh=name_zh, name_en=name_en, position=position)


def unload(apps, schema_editor):
    apps.get_model("followup", "InteractionMethod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
