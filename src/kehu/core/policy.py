"""The one visibility and permission policy (R32, R33, R34). Every read of customer data starts from
visible_customers() (or scope_related() for what hangs off a customer); every service asks the
may_* functions before it writes. docs/access.md says what to call where.

Who is who:
- the organisation admin (superuser) may do everything;
- a team lead (the user a Team.lead points at: the team's manager) sees, edits, deletes, restores
  and hands over the customers of the teams they lead, and sees their confidential data;
- an owner (rep or manager) sees and edits the customers they own and their confidential data;
- a collaborator link gives sight of the customer; `can_edit` lets a rep or manager edit it, and
  `can_record_interaction` lets anyone on the link record interactions. Users with the
  collaborator role (marketing, service) never edit, whatever the link says;
- a data admin sees every customer's basic information (imports, duplicates, reference data)
  but no confidential data, and edits no customer, unless they also lead that customer's team;
- an inactive user or an anonymous visitor sees and may do nothing.
`actor=None` is the system itself (sweeps, migrations, demo data): it may do anything.

Lists must not ask per row: build one `Access` for the request (`access_for(user)`), which
reads the user's led teams once, and call `access.load_links(rows)` once before asking about
edit rights or phones row by row.
"""

from __future__ import annotations

from typing import Iterable

from django.db import connection
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound, PermissionDenied

# Roles that can own customers, claim them from the pool and be handed them.
OWNER_ROLES = frozenset({"manager", "rep"})
_UNLOADED = object()


class Access:
    """What one user may do, with the facts the answers need read once (led teams, links)."""

    def __init__(self, user):
        self.user = user
        self.is_system = user is None
        self.pk = getattr(user, "pk", None)
        self.active = self.is_system or bool(
            getattr(user, "is_authenticated", False) and getattr(user, "is_active", False) and self.pk
        )
        self.is_org_admin = self.is_system or (self.active and bool(getattr(user, "is_superuser", False)))
        self.role = getattr(user, "role", "") or ""
        self._led: frozenset[int] | None = None
        self._links: dict[int, object] = {}
        self._scope_parts: tuple[bool, bool] | None = None
        self._has_links: bool | None = None

    # --- facts ----------------------------------------------------------------------------
    @property
    def led_team_ids(self) -> frozenset[int]:
        if self._led is None:
            self._read_facts()
        return self._led

    def _read_facts(self) -> None:
        """The led teams and whether the user has any collaborator link, in one round trip (read
        for every request and every search; as ORM queries they cost a rep's search a third of its
        time). Nothing here touches the customers table: on PostgreSQL planning a query on it costs
        more than running this one."""
        if not (self.active and self.pk) or self.is_system:
            self._led = frozenset()
            return
        from kehu.accounts.models import Team
        from kehu.customers.models import CustomerCollaborator

        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, 0 FROM {Team._meta.db_table} WHERE lead_id = %s UNION ALL "
                f"SELECT 0, CASE WHEN EXISTS(SELECT 1 FROM {CustomerCollaborator._meta.db_table} WHERE user_id = %s) "
                "THEN 1 ELSE 0 END",
                [self.pk, self.pk])
            rows = cursor.fetchall()
        self._led = frozenset(row[0] for row in rows if row[0])
        self._has_links = bool(next(row for row in rows if not row[0])[1])  # the one row that is not a team

    def scope_parts(self) -> tuple[bool, bool]:
        """(owner branch needed, links branch needed) beyond the led teams. Leaving out a branch
        that can match nothing lets the database walk one index (owner or team, then the sort key)
        instead of merging and sorting two sets. A rep or a manager leading no team always has the
        owner branch (their book may be empty now and not in a second); a lead has it when they
        own a customer outside their teams, and the links branch when linked to one."""
        if self._scope_parts is None:
            from kehu.customers.models import Customer, CustomerCollaborator

            led = sorted(self.led_team_ids)  # reads the facts
            if not led and self.role in OWNER_ROLES:
                self._scope_parts = (True, bool(self._has_links))
            elif not led:
                self._scope_parts = (self._exists(f"SELECT 1 FROM {Customer._meta.db_table} WHERE owner_id = %s"),
                                     bool(self._has_links))
            else:  # one round trip for both
                outside = f"(c.team_id IS NULL OR c.team_id NOT IN ({', '.join(str(int(t)) for t in led)}))"
                customers, links = Customer._meta.db_table, CustomerCollaborator._meta.db_table
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT CASE WHEN EXISTS(SELECT 1 FROM {customers} c WHERE c.owner_id = %s AND {outside}) "
                        "THEN 1 ELSE 0 END, CASE WHEN EXISTS(SELECT 1 FROM "
                        f"{links} l JOIN {customers} c ON c.id = l.customer_id WHERE l.user_id = %s AND {outside}) "
                        "THEN 1 ELSE 0 END", [self.pk, self.pk])
                    owns, linked = cursor.fetchone()
                self._scope_parts = (bool(owns), bool(linked))
        return self._scope_parts

    def _exists(self, sql: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT CASE WHEN EXISTS({sql}) THEN 1 ELSE 0 END", [self.pk])
            return bool(cursor.fetchone()[0])

    @property
    def is_team_lead(self) -> bool:
        return bool(self.led_team_ids)

    @property
    def sees_all_customers(self) -> bool:
        return self.is_org_admin or (self.active and self.role == "data_admin")

    def owns(self, customer) -> bool:
        return self.pk is not None and customer.owner_id == self.pk

    def leads(self, customer) -> bool:
        return customer.team_id is not None and customer.team_id in self.led_team_ids

    def load_links(self, customers: Iterable) -> "Access":
        """Read this user's collaborator links for many customers in one query (for lists)."""
        from kehu.customers.models import CustomerCollaborator

        ids = {getattr(c, "pk", c) for c in customers} - set(self._links)
        if not ids or not self.active or self.is_system:
            return self
        for customer_id in ids:
            self._links[customer_id] = None
        for link in CustomerCollaborator.objects.filter(user_id=self.pk, customer_id__in=ids):
            self._links[link.customer_id] = link
        return self

    def link(self, customer):
        if not self.active or self.is_system:
            return None
        found = self._links.get(customer.pk, _UNLOADED)
        if found is _UNLOADED:
            found = customer.collaborator_links.filter(user_id=self.pk).first()
            self._links[customer.pk] = found
        return found

    def scope_sql(self, alias: str = "c") -> str:
        """The scope of visible_customers() as an SQL condition on the customers table under
        `alias`: live, and owned / in a led team / linked as the user's role allows. For queries
        that find customers by other indexes (the search) and must keep only those the user may
        see, in the same query. Tests hold it to the same rows as visible_customers()."""
        from kehu.customers.models import CustomerCollaborator

        if not self.active:
            return "1 = 0"
        live = f"{alias}.deleted_at IS NULL"
        if self.sees_all_customers:
            return live
        owns, links = self.scope_parts()
        tests = []
        if self.led_team_ids:
            tests.append(f"{alias}.team_id IN ({', '.join(str(int(t)) for t in sorted(self.led_team_ids))})")
        if owns:
            tests.append(f"{alias}.owner_id = {int(self.pk)}")
        if links:
            tests.append(f"EXISTS (SELECT 1 FROM {CustomerCollaborator._meta.db_table} l "
                         f"WHERE l.customer_id = {alias}.id AND l.user_id = {int(self.pk)})")
        return f"{live} AND ({' OR '.join(tests)})" if tests else "1 = 0"

    def visible_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of these customers the user may see (scope_sql), in one small query of given ids
        (the search's candidates, a page at a time) without building a queryset for it (the ORM
        took more time than the query)."""
        from kehu.customers.models import Customer

        wanted = sorted({int(pk) for pk in ids})
        if not wanted or not self.active:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT c.id FROM {Customer._meta.db_table} c WHERE c.id IN "
                           f"({', '.join(str(pk) for pk in wanted)}) AND {self.scope_sql('c')}")
            return {row[0] for row in cursor.fetchall()}

    # --- answers --------------------------------------------------------------------------
    def may_see(self, customer) -> bool:
        if self.sees_all_customers:
            return True
        if not self.active:
            return False
        return self.owns(customer) or self.leads(customer) or self.link(customer) is not None

    def may_edit(self, customer) -> bool:
        if self.is_org_admin:
            return True
        if not self.active:
            return False
        if self.leads(customer):
            return True
        if self.role == "collaborator":
            return False
        if self.owns(customer) and self.role in OWNER_ROLES:
            return True
        link = self.link(customer)
        return bool(link and link.can_edit and self.role in OWNER_ROLES)

    def may_record_interaction(self, customer) -> bool:
        if self.may_edit(customer):
            return True
        link = self.link(customer) if self.active else None
        return bool(link and link.can_record_interaction)

    def may_delete(self, customer) -> bool:
        """Soft delete and restore: the lead of the customer's team (reps never delete, R32)."""
        return self.is_org_admin or (self.active and self.leads(customer))

    may_handover = may_delete

    def may_see_confidential(self, customer) -> bool:
        """Amounts and undisclosed needs (R33): the owner and the team lead only."""
        return self.is_org_admin or (self.active and (self.owns(customer) or self.leads(customer)))

    def may_see_full_phone(self, customer) -> bool:
        """Phones in full for the people accountable for the customer; masked for everyone else."""
        return self.may_edit(customer)

    def may_reveal_phone(self, customer) -> bool:
        """The audited "show number": those who work on the customer (any collaborator link)."""
        return self.may_see_full_phone(customer) or (self.active and self.link(customer) is not None)

    def may_export(self) -> bool:
        from kehu.core import config

        if self.is_org_admin:
            return True
        return self.active and (self.role in set(config.get("export_roles")) or self.is_team_lead)

    def may_read_audit(self) -> bool:
        return self.is_org_admin or (self.active and (self.is_team_lead or self.role == "manager"))


def access_for(user) -> Access:
    return user if isinstance(user, Access) else Access(user)


def _user_of(user):
    return user.user if isinstance(user, Access) else user


# --- row-level scope ------------------------------------------------------------------------

def customer_scope(user, *, prefix: str = "", union: bool = True, alive: bool = False) -> Q | None:
    """The filter of customers `user` may see; None means all of them. With `prefix`
    (e.g. "customer__") it filters rows that point at a customer. `union=False` joins several
    branches with OR instead: the same rows, in the shape that suits checking a handful of given
    ids (the search's candidates), where the union would be read whole for each check.
    `alive=True`: the caller keeps live customers only, so the branches may read the partial
    indexes of live customers (index-only on PostgreSQL) instead of every row of an owner."""
    from kehu.customers.models import Customer, CustomerCollaborator

    access = access_for(user)
    if access.sees_all_customers:
        return None
    if not access.active:
        return Q(pk__in=[])
    owns, links = access.scope_parts()
    ids = f"{prefix}{'id' if prefix else 'pk'}__in"
    # Each branch: the filter alone, and (made only for the union below) the ids it selects.
    branches: list[tuple[Q, object]] = []
    led = sorted(access.led_team_ids)
    if led:
        branches.append((Q(**{f"{prefix}team_id__in": led}), ("team_id__in", led)))
    if owns:
        branches.append((Q(**{f"{prefix}owner_id": access.pk}), ("owner_id", access.pk)))
    if links:
        linked = CustomerCollaborator.objects.filter(user_id=access.pk).order_by().values("customer_id")
        branches.append((Q(**{ids: linked}), linked))
    if not branches:
        return Q(pk__in=[])
    if len(branches) == 1:
        return branches[0][0]
    if not union:
        either = Q()
        for branch, _ids in branches:
            either |= branch
        return either
    # Several branches: one `id IN (… UNION ALL …)` rather than an OR. The database reads the
    # ids from the branches' indexes and walks them in key order, so a page sorted by id stops
    # after its rows; an OR of an owner test and a link test makes it fetch and sort them all.
    # SQLite answers `owner_id = ?` from the plain foreign-key index (covering, for the id) and
    # would read every row for deleted_at; PostgreSQL reads the live partial index without the heap.
    rows = Customer.objects.alive() if alive and connection.vendor == "postgresql" else Customer.objects.all()
    first, *rest = [found if isinstance(found, QuerySet) else rows.filter(**{found[0]: found[1]}).order_by().values("id")
                    for _branch, found in branches]
    branch_ids = first.union(*rest, all=True)
    if not prefix and connection.vendor == "postgresql":
        # `id = ANY(ARRAY(…))`: PostgreSQL then walks the primary key in order probing the array
        # and stops after a page; with `id IN (…)` it joined and sorted every row of the union
        # (a rep with links, 3.5 k customers: 23 ms for a page of 51 against ~2).
        return Q(_IdInArray(F("pk"), Subquery(branch_ids)))
    return Q(**{ids: branch_ids})


def scope_branches(user) -> list[Q] | None:
    """The branches of the user's scope when it is the union of an owner's customers and the
    user's collaborator links (a rep with links), each a filter of its own: a list can read each
    branch through its own indexes and merge the pages (kehu.customers.queries). None for every
    other shape (one branch, led teams, everyone, no one)."""
    from kehu.customers.models import CustomerCollaborator

    access = access_for(user)
    if access.sees_all_customers or not access.active or access.led_team_ids:
        return None
    if access.scope_parts() != (True, True):
        return None
    linked = CustomerCollaborator.objects.filter(user_id=access.pk).order_by().values("customer_id")
    return [Q(owner_id=access.pk), Q(pk__in=linked)]


class _IdInArray(Expression):
    """`<column> = ANY(ARRAY(<subquery>))` as a filter (PostgreSQL)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, subquery):
        super().__init__()
        self.column, self.subquery = column, subquery

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, expressions):
        self.column, self.subquery = expressions

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        copy = self.copy()
        copy.column = self.column.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        copy.subquery = self.subquery.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return copy

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        subquery_sql, subquery_params = compiler.compile(self.subquery)
        return f"{column_sql} = ANY(ARRAY{subquery_sql})", [*column_params, *subquery_params]


def collaborating(user) -> Exists:
    """Exists(a link of `user` to the outer customer), for annotations (e.g. a 'shared' badge)."""
    from kehu.customers.models import CustomerCollaborator

    return Exists(CustomerCollaborator.objects.filter(customer=OuterRef("pk"), user_id=access_for(user).pk))


def visible_customers(user, *, include_deleted: bool = False) -> QuerySet:
    from kehu.customers.models import Customer

    queryset = Customer.objects.all() if include_deleted else Customer.objects.alive()
    access = access_for(user)
    if access.is_system:
        return queryset
    if not access.active:
        return queryset.none()
    scope = customer_scope(access, alive=not include_deleted)
    return queryset if scope is None else queryset.filter(scope)


MAX_ID = 2**63 - 1  # the largest key either database stores


def is_id(value) -> bool:
    """A whole number that could be a primary key (guessed and malformed ids are simply not found)."""
    text = str(value)
    return text.isdigit() and text.isascii() and 0 < int(text) <= MAX_ID


def get_visible_customer(user, pk: int, *, include_deleted: bool = False):
    """The customer, or NotFound when it doesn't exist or the user may not know it exists."""
    if not is_id(pk):
        raise NotFound(pk)
    customer = visible_customers(user, include_deleted=include_deleted).filter(pk=pk).first()
    if customer is None:
        raise NotFound(pk)
    return customer


def scope_related(user, queryset: QuerySet, *, path: str = "customer", include_deleted: bool = False) -> QuerySet:
    """Contacts, interactions, actions, transactions, files…: only those of visible customers.
    `path` is the lookup from the model to its customer."""
    access = access_for(user)
    if not access.is_system and not access.active:
        return queryset.none()
    if not include_deleted:
        queryset = queryset.filter(**{f"{path}__deleted_at__isnull": True})
    if access.is_system:
        return queryset
    scope = customer_scope(access, prefix=f"{path}__")
    return queryset if scope is None else queryset.filter(scope)


def get_visible_related(user, queryset: QuerySet, pk, *, path: str = "customer"):
    """One related record (a contact, an interaction…) or NotFound, exactly like a customer."""
    if not is_id(pk):
        raise NotFound(pk)
    found = scope_related(user, queryset, path=path).filter(pk=pk).first()
    if found is None:
        raise NotFound(pk)
    return found


def confidential_customers(user, *, include_deleted: bool = False) -> QuerySet:
    """Customers whose amounts `user` may see: reports and totals sum over these only."""
    access = access_for(user)
    queryset = visible_customers(access, include_deleted=include_deleted)
    if access.is_org_admin:
        return queryset
    if not access.active:
        return queryset.none()
    q = Q(owner_id=access.pk)
    if access.led_team_ids:
        q |= Q(team_id__in=sorted(access.led_team_ids))
    return queryset.filter(q)


# --- the questions, one customer at a time -----------------------------------------------------

def may_create_customer(user) -> bool:
    access = access_for(user)
    return access.is_org_admin or (access.active and access.role in {"manager", "rep", "data_admin"})


def may_see_customer(user, customer) -> bool:
    return access_for(user).may_see(customer)


def may_edit_customer(user, customer) -> bool:
    return access_for(user).may_edit(customer)


def may_record_interaction(user, customer) -> bool:
    return access_for(user).may_record_interaction(customer)


def may_delete_customer(user, customer) -> bool:
    return access_for(user).may_delete(customer)


may_restore_customer = may_delete_customer


def may_handover_customer(user, customer) -> bool:
    return access_for(user).may_handover(customer)


def may_see_confidential(user, customer) -> bool:
    return access_for(user).may_see_confidential(customer)


def may_see_full_phone(user, customer) -> bool:
    return access_for(user).may_see_full_phone(customer)


def may_reveal_phone(user, customer) -> bool:
    return access_for(user).may_reveal_phone(customer)


def may_export(user) -> bool:
    """Exports (R35, R44) are a right of managers (setting `export_roles`); rows still follow
    visible_customers() and confidential columns may_see_confidential()."""
    return access_for(user).may_export()


def may_read_audit(user) -> bool:
    return access_for(user).may_read_audit()


def may_manage_reference_data(user) -> bool:
    """Channels, tags, industry phrases, custom fields: data admins and managers."""
    access = access_for(user)
    return access.is_org_admin or (access.active and access.role in {"manager", "data_admin"})


def may_own_customers(user) -> bool:
    """Who can be made an owner (handover, pool assignment): active reps and managers."""
    return user is not None and user.is_active and getattr(user, "role", "") in OWNER_ROLES


def may_manage_user(actor, target) -> bool:
    """Unlock, reset the password of, deactivate `target`: the org admin anyone else; a team
    lead the reps and collaborators of the teams they lead. Nobody manages themselves here
    (their own password changes through the normal password-change page)."""
    access = access_for(actor)
    if target is None or (access.pk is not None and access.pk == target.pk):
        return False
    if access.is_org_admin:
        return True
    if not access.active or target.is_superuser or target.role in {"manager", "data_admin"}:
        return False
    return target.team_id is not None and target.team_id in access.led_team_ids


# --- the public pool (公海) ------------------------------------------------------------------

def pool_scope(user) -> Q | None:
    """Pool customers `user` may browse and claim: those of their own team, of the teams they
    lead, and the team-less ones; None means all (org and data admins)."""
    access = access_for(user)
    if access.sees_all_customers:
        return None
    if not access.active or (access.role not in OWNER_ROLES and not access.is_team_lead):
        return Q(pk__in=[])
    teams = set(access.led_team_ids)
    team_id = getattr(_user_of(user), "team_id", None)
    if team_id:
        teams.add(team_id)
    return Q(team_id__isnull=True) | Q(team_id__in=sorted(teams))


def pool_customers(user) -> QuerySet:
    from kehu.customers.models import Customer

    queryset = Customer.objects.alive().filter(owner__isnull=True, pool_entered_at__isnull=False)
    if access_for(user).is_system:
        return queryset
    scope = pool_scope(user)
    return queryset if scope is None else queryset.filter(scope)


def may_claim_from_pool(user, customer) -> bool:
    access = access_for(user)
    if not access.active or access.is_system or access.role not in OWNER_ROLES:
        return False
    return pool_customers(user).filter(pk=customer.pk).exists()


def may_assign_from_pool(user, customer) -> bool:
    access = access_for(user)
    if access.is_org_admin:
        return True
    return access.active and (access.leads(customer) or (customer.team_id is None and access.is_team_lead))


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))
