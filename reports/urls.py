from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jaarplannen/", views.plan_index, name="plan_index"),
    path("districten/", views.district_index, name="district_index"),
    path("districten/<slug:slug>/", views.district, name="district"),
    path("themas/", views.themes, name="themes"),
    re_path(r"^voortgang/(?P<year>\d{4})/Q(?P<quarter>[1-4])\.pdf$", views.progress_pdf, name="progress_pdf"),
    path("jaarplan/<int:year>/", views.plan_report, name="plan_report"),
    path("jaarplan/<int:year>.pdf", views.plan_pdf, name="plan_pdf"),
    path("jaarplan/<int:new>/vergelijk/<int:old>/", views.compare, name="compare"),
]
