"""Data for the schemathesis run (executed in a child process against its own database):
a team with a lead and a rep, a few customers with contacts, interactions and an open action,
and a token for the lead, printed on the last line."""

import django

django.setup()

from kehu.accounts.models import Role  # noqa: E402
from kehu.accounts.services import team_create, user_create  # noqa: E402
from kehu.core.models import Setting  # noqa: E402
from kehu.followup.services import interaction_record  # noqa: E402
from kehu.integrations.tokens import token_create  # noqa: E402
from tests.factories import make_customer  # noqa: E402

# Fuzzing sends many deliberately bad requests; it must not lock its own address out.
Setting.objects.update_or_create(key="api_token_failure_limit", defaults={"value": 1_000_000})
team = team_create(None, name="模糊测试组")
lead = user_create(None, username="fuzz.lead", role=Role.MANAGER, team=team, display_name="测试经理")
team.lead = lead
team.save(update_fields=["lead"])
rep = user_create(None, username="fuzz.rep", role=Role.REP, team=team)
for index in range(3):
    customer = make_customer(rep, name=f"模糊测试公司{index}")
    interaction_record(rep, customer.pk, occurred_at="2026-01-20 10:00", method="phone", summary="电话沟通",
                       feedback="有兴趣", next_step="发资料",
                       next_action={"title": "发资料", "due_at": "2026-02-01 10:00"})
print(token_create(lead, name="schemathesis")[1])
