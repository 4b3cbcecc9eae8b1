"""Indexes for two list cases measured slow at a million customers (BENCHMARKS.md, issues 4/5):

- cust_created: lists sorted by created_at had no index of their own, so a team's list sorted by
  it read and sorted the whole scope (3.9 s on PostgreSQL, 28 s on SQLite); queries.py now walks
  this index like the other sort columns.
- cust_region_stage: "region = 华南 AND stage = potential", the list's two most used filters
  together, was answered by reading every row of one of them (5.5 s when the pair matched few of a
  team lead's customers); one range of this index holds exactly the pair, newest first.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_scoped_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(condition=models.Q(("deleted_at__isnull", True)), fields=["created_at", "id"],
                               name="cust_created"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(condition=models.Q(("deleted_at__isnull", True)), fields=["macro_region", "stage", "id"],
                               name="cust_region_stage"),
        ),
    ]
