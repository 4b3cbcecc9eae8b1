"""The customers app's API routers (mounted by kehu.api, in this order)."""

from kehu.customers.api.bulk import router as bulk_router
from kehu.customers.api.customers import router as customers_router
from kehu.customers.api.reference import router as reference_router
from kehu.customers.api.related import router as related_router

routers = [bulk_router, customers_router, related_router, reference_router]
