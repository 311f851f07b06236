from __future__ import annotations

from django.urls import path

from . import views

app_name = "budget"

urlpatterns = [
    path("jaarplan/<int:year>/begroting/", views.budget_overview, name="overview"),
]
