"""Users with a role, and teams with a lead."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    REP = "rep", _("Sales rep")
    COLLABORATOR = "collaborator", _("Collaborator")
    DATA_ADMIN = "data_admin", _("Data admin")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("team lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="led_teams",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Sign-in safety (kehu.accounts.signin): consecutive failures, and when the account locked.
    failed_sign_ins = models.PositiveSmallIntegerField(_("failed sign-ins"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    password_must_change = models.BooleanField(
        _("must change password"), default=False, help_text=_("Set when a manager resets the password.")
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["team", "role"], name="user_team_role")]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username
