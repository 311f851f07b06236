"""Rendered documents kept in the database, so every app server shares one cache."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RenderedDocument(models.Model):
    """The last rendering of a document, valid as long as its fingerprint matches the data.

    Also the state of its background render (reports.rendering): for which data one is queued,
    and for which data it failed, with the error, after its retries.
    """

    key = models.CharField(_("document"), max_length=100, unique=True)
    fingerprint = models.CharField(_("vingerafdruk"), max_length=64, blank=True)
    content = models.BinaryField(_("inhoud"), null=True)
    rendered_at = models.DateTimeField(_("gemaakt op"), auto_now=True)
    queued_fingerprint = models.CharField(_("in de rij voor"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("in de rij gezet op"), null=True, blank=True)
    failed_fingerprint = models.CharField(_("mislukt voor"), max_length=64, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)

    class Meta:
        verbose_name = _("gemaakt document")
        verbose_name_plural = _("gemaakte documenten")

    def __str__(self) -> str:
        return self.key
