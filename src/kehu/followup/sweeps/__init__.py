"""The follow-up checks of `kehu sweep` (each module registers its own with kehu.core.sweep).

Order: silence first (it changes stages), then referral rewards (they add actions), then the
cadence pass (stages and actions feed next_follow_up_at), then reminders and escalation of
actions, complaint deadlines and greetings. Every check is set-based: a handful of statements
per batch of rows, never a Python loop over millions of rows.
"""

from kehu.followup.sweeps import cadence, complaints, greetings, referrals, silence, task_alerts  # noqa: F401
