"""Reference data a data admin maintains: industries (GB/T 4754-2017), channels (R45), tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Industry(models.Model):
    """A GB/T 4754-2017 section (level 1, A–T) or division (level 2, 01–97)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self", verbose_name=_("section"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Three letters for customer numbers (2024-MFG-001); divisions carry their section's.
    abbr = models.CharField(_("abbreviation"), max_length=8)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.name_en if (get_language() or "").startswith("en") else self.name_zh
        return name

    @property
    def path_name(self) -> str:
        """Two levels, as teams write it: 制造业-汽车制造业."""
        return f"{self.parent.display_name}-{self.display_name}" if self.parent_id else self.display_name


class IndustryPhrase(models.Model):
    """Colloquial input mapped onto the standard ("互联网公司" → 互联网和相关服务)."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("industry phrase")
        verbose_name_plural = _("industry phrases")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.industry}"


class Channel(models.Model):
    """Where customers come from and how the team reaches them, with its owner, tool and cost (R45)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="owned_channels",
    )
    tool = models.CharField(_("tool"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChannelCost(models.Model):
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="costs")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")
        ordering = ["channel", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "period_start"], name="channel_cost_period_unique"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")), name="channel_cost_period_order"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="channel_cost_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    group = models.CharField(_("group"), max_length=40, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name
