from __future__ import annotations

from django.urls import path, re_path
from django.views.generic import RedirectView

from . import annual_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jaarplannen/", views.plan_index, name="plan_index"),
    path("districten/", views.district_index, name="district_index"),
    path("districten/<slug:slug>/", views.district, name="district"),
    path("themas/", views.themes, name="themes"),
    re_path(r"^figuren/(?P<pk>\d+)-(?P<digest>[0-9a-f]{16})\.(?P<extension>png|jpg)$", views.figure, name="figure"),
    re_path(r"^pdf/opnieuw/(?P<key>[A-Za-z0-9-]+)/$", views.pdf_retry, name="pdf_retry"),
    re_path(r"^voortgang/(?P<year>\d{4})/Q(?P<quarter>[1-4])\.pdf$", views.progress_pdf, name="progress_pdf"),
    # Someone trimming /jaarplan/2024/ in the address bar lands on the list of plans, not on a 404.
    path("jaarplan/", RedirectView.as_view(pattern_name="reports:plan_index"), name="plan_index_short"),
    path("jaarplan/<int:year>/", views.plan_report, name="plan_report"),
    path("jaarplan/<int:year>.pdf", views.plan_pdf, name="plan_pdf"),
    path("jaarplan/<int:new>/vergelijk/<int:old>/", views.compare, name="compare"),
    # The jaarverslag closes the year: the report, its PDF, writing its texts, adopting it.
    path("jaarverslag/<int:year>/", annual_views.annual_report, name="annual_report"),
    path("jaarverslag/<int:year>.pdf", annual_views.annual_pdf, name="annual_pdf"),
    # <kind> is "doel" (key: its number) or "district" (key: its slug); anything else is a 404.
    path("jaarverslag/<int:year>/tekst/<slug:kind>/<slug:key>/", annual_views.annual_text, name="annual_text"),
    path("jaarverslag/<int:year>/vaststellen/", annual_views.annual_adopt, name="annual_adopt"),
    # The same pages for any year's plan; without a year they show the running plan.
    path("jaarplan/<int:year>/dashboard/", views.dashboard, name="dashboard_in_year"),
    path("jaarplan/<int:year>/districten/", views.district_index, name="district_index_in_year"),
    path("jaarplan/<int:year>/districten/<slug:slug>/", views.district, name="district_in_year"),
    path("jaarplan/<int:year>/themas/", views.themes, name="themes_in_year"),
]
