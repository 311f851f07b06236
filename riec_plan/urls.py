"""URL configuration of riec-plan."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "RIEC Oost-Nederland – jaarplan"
admin.site.site_title = "RIEC-plan"
admin.site.index_title = "Beheer van strategie, jaarplannen, districten en begroting"

urlpatterns = [
    path("inloggen/", auth_views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("strategy.urls")),
    path("", include("budget.urls")),
    path("", include("reports.urls")),
]
