"""Rendered documents kept in the database, so every app server shares one cache."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import loaded_str, loaded_value


class RenderedDocument(models.Model):
    """The last rendering of a document, valid while the content version is the one it was checked against.

    `fingerprint` says what the stored PDF prints; `checked_version` is the content version
    (reports.freshness) at which the worker last found that fingerprint current. Also the state of
    its background render (reports.rendering): for which content version one is queued, and for
    which it failed, with the error, after its retries.
    """

    key = models.CharField(_("document"), max_length=100, unique=True)
    fingerprint = models.CharField(_("vingerafdruk"), max_length=64, blank=True)
    checked_version = models.CharField(_("actueel bevonden voor"), max_length=64, blank=True)
    content = models.BinaryField(_("inhoud"), null=True)
    rendered_at = models.DateTimeField(_("gemaakt op"), auto_now=True)
    queued_version = models.CharField(_("in de rij voor"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("in de rij gezet op"), null=True, blank=True)
    failed_version = models.CharField(_("mislukt voor"), max_length=64, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)

    class Meta:
        verbose_name = _("gemaakt document")
        verbose_name_plural = _("gemaakte documenten")

    def __str__(self) -> str:
        return self.key


class AnnualReportText(models.Model):
    """What the year meant, in words: the jaarverslag's text for one goal or one district of a plan.

    The bureau writes the goals' texts; a district coordinator writes the own district's (the policy,
    core.permissions, decides from `district`). Markdown, shown with a preview before it is saved.
    """

    plan = models.ForeignKey(
        "strategy.AnnualPlan", on_delete=models.CASCADE, related_name="report_texts", verbose_name=_("jaarplan")
    )
    goal = models.ForeignKey(
        "strategy.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("doel")
    )
    district = models.ForeignKey(
        "districts.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    text = models.TextField(_("tekst"), blank=True, help_text=_("Markdown: lijsten en vet blijven behouden."))

    # Raised by every save; a form that carries an older number is stale (core.history.save_if_current).
    version = models.PositiveIntegerField(_("versie"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("tekst in het jaarverslag")
        verbose_name_plural = _("teksten in het jaarverslag")
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__isnull=True, district__isnull=False) | Q(goal__isnull=False, district__isnull=True),
                name="report_text_goal_or_district",
                violation_error_message=_("Een tekst gaat over één doel of één district."),
            ),
            models.UniqueConstraint(fields=["plan", "goal"], name="one_report_text_per_goal"),
            models.UniqueConstraint(fields=["plan", "district"], name="one_report_text_per_district"),
        ]

    def __str__(self) -> str:
        subject = loaded_str(self, "goal") if self.goal_id else loaded_str(self, "district")
        return f"Jaarverslag {loaded_value(self, 'plan', 'year') or ''}: {subject}"

    def get_absolute_url(self) -> str:
        return reverse("reports:annual_report", args=[self.plan.year])


class AnnualReport(models.Model):
    """The adopted jaarverslag of a plan year: frozen at adoption, like a closed quarter.

    Adoption keeps the page and the PDF's source as they were (`body`, `pdf_html`); the PDF is rendered
    once from that source and kept with its SHA-256, so later edits never change what was adopted.
    """

    plan = models.OneToOneField(
        "strategy.AnnualPlan", on_delete=models.CASCADE, related_name="annual_report", verbose_name=_("jaarplan")
    )
    adopted_on = models.DateField(_("vastgesteld op"))
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgesteld door"),
    )
    title = models.CharField(_("titel"), max_length=200, editable=False)
    body = models.TextField(_("webversie bij vaststelling"), editable=False)
    pdf_html = models.TextField(_("bron van de PDF bij vaststelling"), editable=False)
    document = models.BinaryField(_("jaarverslag (PDF)"), null=True, blank=True, editable=False)
    document_sha256 = models.CharField(_("SHA-256 van de PDF"), max_length=64, blank=True, editable=False)
    document_rendered_at = models.DateTimeField(_("PDF gemaakt op"), null=True, blank=True, editable=False)

    # The frozen page and PDF stay out of the history; the SHA-256 there says which document was adopted.
    history = HistoricalRecords(excluded_fields=["body", "pdf_html", "document"])

    class Meta:
        verbose_name = _("vastgesteld jaarverslag")
        verbose_name_plural = _("vastgestelde jaarverslagen")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:annual_report", args=[self.plan.year])
