"""The customer record (R1, R2, R5, R7, R8, R9, R22) and who works on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
# Daily lists never show deleted rows, so their indexes leave them out.
ALIVE = Q(deleted_at__isnull=True)


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class Stage(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    INTENT = "intent", _("Intent")
    DEAL = "deal", _("Deal")
    SILENT = "silent", _("Silent")
    LOST = "lost", _("Lost")


class Ownership(models.TextChoices):
    STATE = "state", _("State-owned")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign")
    OTHER = "other", _("Other")


class NeedType(models.TextChoices):
    PURCHASE = "purchase", _("Product purchase")
    CONSULTING = "consulting", _("Service consulting")
    PARTNERSHIP = "partnership", _("Partnership")


class Urgency(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class DecisionCycle(models.TextChoices):
    SHORT = "short", _("Short")
    MEDIUM = "medium", _("Medium")
    LONG = "long", _("Long")


class DecisionChainLength(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    TEAM = "team", _("Team")
    MULTI_DEPARTMENT = "multi_department", _("Several departments")


class CompanySize(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class Customer(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=CustomerKind.choices, default=CustomerKind.COMPANY)
    number = models.CharField(_("customer number"), max_length=40, unique=True)
    name = models.CharField(_("full name"), max_length=200, help_text=_("As on the business licence."))
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    industry = models.ForeignKey(
        "customers.Industry", verbose_name=_("industry"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    first_contact_date = models.DateField(_("first contact date"))
    need_description = models.TextField(_("need description"))
    source_channel = models.ForeignKey(
        "customers.Channel", verbose_name=_("source channel"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    # R7 referrals
    referrer = models.ForeignKey(
        "self", verbose_name=_("referred by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    referral_reason = models.CharField(_("referral reason"), max_length=300, blank=True)

    # R1 optional
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(_("annual revenue (CNY)"), null=True, blank=True, **MONEY)
    decision_chain = models.TextField(_("decision chain"), blank=True)
    cooperation_history = models.TextField(_("cooperation history"), blank=True)
    competitor_info = models.TextField(_("competitor information"), blank=True)
    budget_min = models.DecimalField(_("budget from (CNY)"), null=True, blank=True, **MONEY)
    budget_max = models.DecimalField(_("budget up to (CNY)"), null=True, blank=True, **MONEY)

    # R2 company attributes
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    macro_region = models.CharField(_("region"), max_length=10, blank=True)
    founded_year = models.PositiveSmallIntegerField(_("founding year"), null=True, blank=True)
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices, blank=True)
    main_business = models.CharField(_("main business"), max_length=300, blank=True)

    # R8 needs
    pain_points = models.TextField(_("pain points"), blank=True)
    need_type = models.CharField(_("need type"), max_length=12, choices=NeedType.choices, blank=True)
    product_interests = models.CharField(_("products of interest"), max_length=300, blank=True)
    urgency = models.CharField(_("urgency"), max_length=6, choices=Urgency.choices, blank=True)
    decision_cycle = models.CharField(_("decision cycle"), max_length=6, choices=DecisionCycle.choices, blank=True)
    decision_chain_length = models.CharField(
        _("decision chain length"), max_length=16, choices=DecisionChainLength.choices, blank=True
    )
    needs_undisclosed = models.BooleanField(_("needs not disclosed"), default=False)
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("tags"), blank=True, related_name="customers")
    custom_data = models.JSONField(_("custom fields"), default=dict, blank=True)

    # Who works on it
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_customers",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="customers.CustomerCollaborator", related_name="collaborating_customers",
        verbose_name=_("collaborators"), blank=True,
    )
    # Ownership and the public pool (公海, R34): kept by kehu.customers.services.handover / pool.
    owner_since = models.DateTimeField(_("owner since"), null=True, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("previous owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    pool_entered_at = models.DateTimeField(_("in the public pool since"), null=True, blank=True)
    pool_warned_at = models.DateTimeField(_("pool return warned at"), null=True, blank=True)

    # R22 lifecycle
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.POTENTIAL)
    stage_changed_at = models.DateTimeField(_("stage changed at"), null=True, blank=True)
    previous_stage = models.CharField(_("previous stage"), max_length=10, choices=Stage.choices, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=300, blank=True)

    # Classification, filled by the rules of later modules (R23–R26)
    size_class = models.CharField(_("company size"), max_length=8, choices=CompanySize.choices, blank=True)
    value_tier = models.CharField(_("value tier"), max_length=12, blank=True)
    segment = models.CharField(_("segment"), max_length=16, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)

    # Derived facts (R9 and follow-up), kept right by services so lists stay fast
    first_cooperation_date = models.DateField(_("first cooperation"), null=True, blank=True)
    last_transaction_date = models.DateField(_("last transaction"), null=True, blank=True)
    transaction_count = models.PositiveIntegerField(_("transactions"), default=0)
    total_amount = models.DecimalField(_("total amount (CNY)"), default=0, **MONEY)
    average_order_value = models.DecimalField(_("average order value (CNY)"), default=0, **MONEY)
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)

    # R12 data quality: a second person checked the record
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    # Search keys (拼音 of the names), written by services
    name_pinyin = models.CharField(max_length=600, blank=True, editable=False)
    name_initials = models.CharField(max_length=200, blank=True, editable=False)

    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], condition=ALIVE, name="cust_owner"),
            models.Index(fields=["team", "-id"], condition=ALIVE, name="cust_team"),
            models.Index(fields=["stage", "-id"], condition=ALIVE, name="cust_stage"),
            models.Index(fields=["industry", "-id"], condition=ALIVE, name="cust_industry"),
            models.Index(fields=["source_channel", "-id"], condition=ALIVE, name="cust_channel"),
            models.Index(fields=["province", "city"], condition=ALIVE, name="cust_region"),
            # (column, id): the list's keyset order. Without the id, ties (a batch of imports stamped the
            # same moment: 26 k at a million) were read whole and sorted for every page.
            models.Index(fields=["next_follow_up_at", "id"], condition=ALIVE, name="cust_next_follow_up"),
            models.Index(fields=["last_interaction_at", "id"], condition=ALIVE, name="cust_last_interaction"),
            models.Index(fields=["-updated_at", "-id"], condition=ALIVE, name="cust_updated"),
            models.Index(fields=["created_at", "id"], condition=ALIVE, name="cust_created"),
            models.Index(fields=["macro_region", "stage", "id"], condition=ALIVE, name="cust_region_stage"),
            models.Index(fields=["name"], name="cust_name"),
            models.Index(fields=["credit_code"], name="cust_credit_code"),
            models.Index(fields=["referrer"], name="cust_referrer"),
            # Only the deleted rows (the trash list): an index over every row's NULL would
            # tempt SQLite, without statistics, to read the whole table through it for
            # `deleted_at IS NULL` and then sort, instead of walking the sort key's index.
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="cust_deleted"),
            # Scoped lists sorted by last change: a rep's own (owner) and a manager's (team).
            # A rep's or a team's customers of one stage, newest first: the pipeline board's columns
            # and the list's most used filter. Without them the planner walked the primary key
            # past a million rows for a stage the rep has two customers in (0.7 s at 1 M).
            models.Index(fields=["owner", "stage", "-id"], condition=ALIVE, name="cust_owner_stage"),
            models.Index(fields=["team", "stage", "-id"], condition=ALIVE, name="cust_team_stage"),
            # A team's customers of one region (and stage): teams are mostly regional, so a lead asking
            # for another region finds none; without it the database read the whole team to say so.
            models.Index(fields=["team", "macro_region", "stage", "-id"], condition=ALIVE,
                         name="cust_team_region_stage"),
            # "My customers due for contact" (R15), on every rep's home page.
            models.Index(fields=["owner", "next_follow_up_at", "id"], condition=ALIVE, name="cust_owner_follow_up"),
            models.Index(fields=["owner", "-updated_at", "-id"], condition=ALIVE, name="cust_owner_updated"),
            # A rep's own customers by name (the list's A–Z): read in order instead of sorting the book.
            models.Index(fields=["owner", "name", "id"], condition=ALIVE, name="cust_owner_name"),
            models.Index(fields=["team", "-updated_at", "-id"], condition=ALIVE, name="cust_team_updated"),
            models.Index(fields=["team", "-pool_entered_at"], condition=ALIVE & Q(pool_entered_at__isnull=False),
                         name="cust_pool"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True) | Q(budget_max__isnull=True) | Q(budget_max__gte=models.F("budget_min")),
                name="cust_budget_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CustomerCollaborator(models.Model):
    """A colleague (marketing, service, another rep) who works on a customer, with the rights given."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="collaborator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborator_links")
    can_edit = models.BooleanField(_("may edit"), default=False)
    can_record_interaction = models.BooleanField(_("may record interactions"), default=False)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="collaborator_unique")]
        indexes = [models.Index(fields=["user", "customer"], name="collaborator_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer}"


class StageChange(models.Model):
    """Each move between lifecycle stages, with its reason (R22, R29)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=10, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=10, choices=Stage.choices)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", help_text=_("Empty when the rules moved it."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"], name="stage_change_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_stage} → {self.to_stage}"
