"""Figures of a section: a PNG or JPEG upload checked with Pillow, with caption and alt text, shown in the plan."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from reports.pdf import StaticOnlyFetcher
from strategy.admin import SectionBlockForm
from strategy.models import AnnualPlan, SectionBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure(plan_2024: AnnualPlan) -> SectionBlock:
    """The figure of 1.2.1, as loaded: its caption, no image yet."""
    return SectionBlock.objects.get(section__plan=plan_2024, section__slug="basis-op-orde")


def image_file(kind: str = "PNG", size: tuple[int, int] = (40, 30), name: str = "rode-draden.png") -> Any:
    out = io.BytesIO()
    Image.new("RGB", size, "#1d4f7c").save(out, kind)
    return SimpleUploadedFile(name, out.getvalue())


def upload(figure: SectionBlock, file: Any, alt_text: str = "Staafdiagram: de stand per gemeente") -> SectionBlockForm:
    data = {"section": figure.section_id, "after_items": 0, "order": 1, "text": "", "caption": figure.caption}
    data["alt_text"] = alt_text
    return SectionBlockForm(data, {"upload": file}, instance=figure)


def test_an_uploaded_png_shows_in_the_plan_with_caption_and_alt_text(figure: SectionBlock, client: Client) -> None:
    form = upload(figure, image_file())
    assert form.is_valid(), form.errors
    form.save()

    client.force_login(_reader())
    html = client.get("/jaarplan/2024/").content.decode()
    figure.refresh_from_db()
    url = f"/figuren/{figure.pk}-{figure.image_sha256[:16]}.png"
    assert f'<img src="{url}" alt="Staafdiagram: de stand per gemeente">' in html
    assert "<figcaption>Een voorbeeld van de stand van zaken in een district</figcaption>" in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == bytes(figure.image)
    # The PDF reads the same address, from the database, through its static-only fetcher.
    assert StaticOnlyFetcher().fetch(f"https://riec-plan.invalid{url}").read() == bytes(figure.image)
    # An address of an earlier upload serves nothing.
    assert client.get(f"/figuren/{figure.pk}-0000000000000000.png").status_code == 404


def _reader() -> Any:
    return get_user_model().objects.create_user(username="lezer", password="x")


def test_a_jpeg_is_accepted(figure: SectionBlock) -> None:
    form = upload(figure, image_file("JPEG", name="foto.jpg"))
    assert form.is_valid(), form.errors
    assert form.save().image_type == "image/jpeg"


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (lambda: image_file("GIF", name="animatie.gif"), "Alleen PNG- en JPEG-afbeeldingen zijn toegestaan."),
        (lambda: SimpleUploadedFile("script.png", b"<script>alert(1)</script>"), "geen leesbare PNG- of JPEG"),
        (lambda: image_file(size=(4001, 10)), "groter dan 4000 bij 4000 pixels"),
        (lambda: SimpleUploadedFile("groot.png", b"\\x89PNG" + b"0" * (2 * 1024 * 1024)), "groter dan 2 MB"),
    ],
)
def test_anything_but_a_modest_png_or_jpeg_is_refused(figure: SectionBlock, file: Any, message: str) -> None:
    form = upload(figure, file())
    assert not form.is_valid()
    assert message in str(form.errors["upload"])
    figure.refresh_from_db()
    assert figure.image is None


def test_an_image_needs_alt_text(figure: SectionBlock) -> None:
    form = upload(figure, image_file(), alt_text="")
    assert not form.is_valid()
    assert "alternatieve tekst" in str(form.errors["alt_text"])
