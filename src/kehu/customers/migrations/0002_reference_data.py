"""Ship GB/T 4754-2017 (sections, divisions) and the colloquial phrase table."""

from django.db import migrations


def load(apps, schema_editor):
    from kehu.customers.industry_data import DIVISIONS, PHRASES, SECTIONS

    Industry = apps.get_model("customers", "Industry")
    IndustryPhrase = apps.get_model("customers", "IndustryPhrase")
    sections = {}
    for code, abbr, name_zh, name_en in SECTIONS:
        sections[code] = Industry.objects.create(code=code, level=1, abbr=abbr, name_zh=name_zh, name_en=name_en)
    by_code = dict(sections)
    for code, section_code, name_zh, name_en in DIVISIONS:
        section = sections[section_code]
        by_code[code] = Industry.objects.create(
            code=code, level=2, parent=section, abbr=section.abbr, name_zh=name_zh, name_en=name_en
        )
    IndustryPhrase.objects.bulk_create(
        IndustryPhrase(phrase=phrase, industry=by_code[code]) for phrase, code in PHRASES
    )


def unload(apps, schema_editor):
    apps.get_model("customers", "IndustryPhrase").objects.all().delete()
    apps.get_model("customers", "Industry").objects.filter(level=2).delete()
    apps.get_model("customers", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
