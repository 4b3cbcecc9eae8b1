"""Follow-up data: interactions and next actions, cadence rules, complaints, surveys, important dates."""

from kehu.followup.models.cadence import CadenceDimension, CadenceRule, SweepMark, Watermark
from kehu.followup.models.care import (
    ClassificationChange,
    Complaint,
    ComplaintStatus,
    SatisfactionSurvey,
    Severity,
)
from kehu.followup.models.dates import Greeting, GreetingStatus, GreetingTemplate, Occasion, ReferralReward
from kehu.followup.models.interaction import (
    Interaction,
    InteractionMethod,
    Mood,
    Priority,
    Task,
    TaskKind,
    TaskStatus,
)

__all__ = [
    "CadenceDimension", "CadenceRule", "ClassificationChange", "Complaint", "ComplaintStatus", "Greeting",
    "GreetingStatus", "GreetingTemplate", "Interaction", "InteractionMethod", "Mood", "Occasion", "Priority", "ReferralReward", "SatisfactionSurvey",
    "Severity", "SweepMark", "Task", "TaskKind", "TaskStatus", "Watermark",
]
