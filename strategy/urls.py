from __future__ import annotations

from django.urls import path

from . import views

app_name = "strategy"

urlpatterns = [
    path("acties/<int:pk>/", views.action_detail, name="action"),
    path("mijn-acties/", views.my_actions, name="my_actions"),
]
