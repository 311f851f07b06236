"""Rendered documents kept in the database, so every app server shares one cache."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RenderedDocument(models.Model):
    """The last rendering of a document, valid as long as its fingerprint matches the data."""

    key = models.CharField(_("document"), max_length=100, unique=True)
    fingerprint = models.CharField(_("vingerafdruk"), max_length=64)
    content = models.BinaryField(_("inhoud"))
    rendered_at = models.DateTimeField(_("gemaakt op"), auto_now=True)

    class Meta:
        verbose_name = _("gemaakt document")
        verbose_name_plural = _("gemaakte documenten")

    def __str__(self) -> str:
        return self.key
