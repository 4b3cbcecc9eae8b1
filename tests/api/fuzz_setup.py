"""Data for the schemathesis run (executed in a child process against its own database):
a team with a lead and a rep, a few customers with contacts, interactions and an open action, a
webhook of the lead's, and two tokens of the lead's. Prints one JSON line last:

    {"token": <the secret the fuzzer authenticates with>, "spare_token_id": <id>}

The spare token exists so that DELETE /tokens/{token_id} has something to revoke: the fuzz run
pins that operation's token_id to it, so the fuzzer can never revoke the token it signs in with
(a revoked token turns every later request into a 401 and the run would test nothing more)."""

import json

import django

django.setup()

from kehu.accounts.models import Role  # noqa: E402
from kehu.accounts.services import team_create, user_create  # noqa: E402
from kehu.core.models import Setting  # noqa: E402
from kehu.followup.services import interaction_record  # noqa: E402
from kehu.integrations.services import webhook_create  # noqa: E402
from kehu.integrations.tokens import token_create  # noqa: E402
from tests.factories import make_customer  # noqa: E402

# The fuzzer never sends a bad token (security parameters are not generated); the throttle is
# raised anyway so that a bug that makes a good token fail shows as 401s, not as a 429 wall.
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
# Port 9 (discard) on loopback: deliveries fail fast and stay in the log for the redeliver endpoint.
webhook_create(lead, url="http://127.0.0.1:9/hook", events=["customer.created", "customer.updated"])
spare, _secret = token_create(lead, name="spare (the fuzzer may revoke this one)")
token = token_create(lead, name="schemathesis")[1]
print(json.dumps({"token": token, "spare_token_id": spare.pk}))
