"""Every follow-up write (see DESIGN.md: services). Import from here; the modules are an inside split."""

from kehu.followup.services.cadence import (
    cadence_rule_delete,
    cadence_rule_set,
    follow_up_due,
    load_rules,
    refresh_follow_up,
)
from kehu.followup.services.complaints import complaint_open, complaint_reopen, complaint_resolve, complaint_respond
from kehu.followup.services.greetings import greeting_mark_sent, greeting_template_save, render_greeting
from kehu.followup.services.interactions import clean_moment, interaction_record
from kehu.followup.services.surveys import survey_record
from kehu.followup.services.tasks import clean_task, task_complete, task_create, task_update, write_task

__all__ = [
    "cadence_rule_delete", "cadence_rule_set", "clean_moment", "clean_task", "complaint_open", "complaint_reopen",
    "complaint_resolve", "complaint_respond", "follow_up_due", "greeting_mark_sent", "greeting_template_save",
    "interaction_record", "load_rules", "refresh_follow_up", "render_greeting", "survey_record", "task_complete",
    "task_create", "task_update", "write_task",
]
