from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.plan_index, name="plan_index"),
    path("jaarplan/<int:year>/", views.plan_report, name="plan_report"),
    path("jaarplan/<int:year>.pdf", views.plan_pdf, name="plan_pdf"),
]
