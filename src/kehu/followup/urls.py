from django.urls import path

from kehu.followup import views

app_name = "followup"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("customers/<int:pk>/complaints/new/", views.complaint_create, name="complaint_create"),
]
