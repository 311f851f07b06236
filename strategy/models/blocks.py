"""Text and figures that stand among the items of a section."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from simple_history.models import HistoricalRecords

from core.history import VERSION_FIELD
from core.models import Versioned
from strategy.models.plans import PlanSection

FIGURE_MAX_BYTES = 2 * 1024 * 1024
FIGURE_MAX_PIXELS = 4000
FIGURE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


class SectionBlockManager(models.Manager["SectionBlock"]):
    def get_by_natural_key(self, year: int, slug: str, after_items: int, order: int) -> SectionBlock:
        return self.get(section__plan__year=year, section__slug=slug, after_items=after_items, order=order)


class SectionBlock(Versioned):
    """Text or a figure that stands at its own place among a section's items, as in the source.

    A section prints its text, then its items (themes, developments, norms) in order; a block stands
    after `after_items` of them (0: right after the text). A block with a caption is a figure: until an
    image is uploaded the report shows the caption in a framed box, never a dangling "(zie afbeelding)".
    """

    section = models.ForeignKey(
        PlanSection, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("paragraaf")
    )
    after_items = models.PositiveSmallIntegerField(
        _("na onderdeel"),
        default=0,
        help_text=_("Aantal onderdelen (thema's, ontwikkelingen, normen) vóór dit blok; 0 is direct na de tekst."),
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=1)
    text = models.TextField(_("tekst"), blank=True, help_text=_("Markdown: lijsten en vet blijven behouden."))
    caption = models.CharField(
        _("bijschrift"), max_length=300, blank=True, help_text=_("Met een bijschrift is het blok een afbeelding.")
    )
    alt_text = models.CharField(
        _("alternatieve tekst"),
        max_length=500,
        blank=True,
        help_text=_("Wat de afbeelding laat zien, voor wie haar niet kan zien."),
    )
    image = models.BinaryField(_("afbeelding"), null=True, blank=True)
    image_type = models.CharField(_("soort afbeelding"), max_length=20, blank=True, editable=False)
    # Names the image in its URL: a new upload gets a new address, so no browser or PDF shows an old one.
    image_sha256 = models.CharField(_("SHA-256 van de afbeelding"), max_length=64, blank=True, editable=False)

    objects = SectionBlockManager()

    # The image itself stays out of the history: its SHA-256 there says which upload it was.
    history = HistoricalRecords(excluded_fields=[VERSION_FIELD, "image"])

    class Meta:
        verbose_name = _("blok")
        verbose_name_plural = _("blokken tussen de onderdelen")
        ordering = ["section", "after_items", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "after_items", "order"],
                name="section_block_place_unique",
                violation_error_message=_("Op deze plaats in de paragraaf staat al een blok."),
            )
        ]

    def __str__(self) -> str:
        return self.caption or (self.text[:60] if self.text else str(_("blok")))

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.section.natural_key(), self.after_items, self.order)

    natural_key.dependencies = ["strategy.plansection"]  # type: ignore[attr-defined]

    @classmethod
    def stored_image(cls, pk: int, digest: str) -> tuple[bytes, str] | None:
        """The image and its MIME type, if `digest` (a prefix of its SHA-256) names the current upload (one query)."""
        found = (
            cls.objects.filter(pk=pk, image_sha256__startswith=digest)
            .exclude(image_sha256="")
            .values_list("image", "image_type")
            .first()
        )
        if found is None or found[0] is None:
            return None
        return bytes(found[0]), found[1]

    def set_image(self, content: bytes) -> None:
        """Keep an uploaded image, after checking it is a PNG or JPEG of acceptable size."""
        self.image_type = checked_image(content)
        self.image = content
        self.image_sha256 = hashlib.sha256(content).hexdigest()

    def clean(self) -> None:
        if not self.text.strip() and not self.caption.strip():
            raise ValidationError(_("Vul een tekst in, of een bijschrift voor een afbeelding."))
        if self.image and not self.alt_text.strip():
            raise ValidationError({"alt_text": _("Een afbeelding heeft een alternatieve tekst nodig.")})
        if self.image and not self.caption.strip():
            raise ValidationError({"caption": _("Een afbeelding heeft een bijschrift nodig.")})


def checked_image(content: bytes) -> str:
    """The MIME type of an uploaded PNG or JPEG image; ValidationError for anything else or too large."""

    if len(content) > FIGURE_MAX_BYTES:
        raise ValidationError(_("De afbeelding is groter dan 2 MB."))
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("Dit is geen leesbare PNG- of JPEG-afbeelding.")) from error
    if kind not in FIGURE_TYPES:
        raise ValidationError(_("Alleen PNG- en JPEG-afbeeldingen zijn toegestaan."))
    if width > FIGURE_MAX_PIXELS or height > FIGURE_MAX_PIXELS:
        raise ValidationError(_("De afbeelding is groter dan 4000 bij 4000 pixels."))
    return FIGURE_TYPES[kind]
