from django.contrib import admin
from django.urls import include, path

from kehu.api import api
from kehu.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("notify/", include("kehu.notify.urls")),
    path("followup/", include("kehu.followup.urls")),
    path("", include("kehu.web.urls")),
]
