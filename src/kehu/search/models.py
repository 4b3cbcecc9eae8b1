"""The search document: one row per customer, kept by database triggers (see kehu.search.ddl)."""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    """Every searchable key of a customer, folded and joined by "|" ("|key|key|…|").

    Written only by triggers on customers, contacts and contact methods, so every write path —
    services, the admin, the demo generator's bulk COPY/executemany — keeps it right.
    """

    # No FK constraint: the customer-delete trigger removes the row; Django must not cascade.
    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="search_document",
    )
    hay = models.TextField()
    # The owner's and the team's scope tokens (kehu.search.ddl.scope_text), indexed with the text:
    # a rep's or a team's substring search asks the index for its own documents only.
    scope = models.TextField(default="")

    class Meta:
        db_table = "search_document"
        managed = True

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.hay[:60]}"
