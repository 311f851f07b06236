"""Admin screens for the plan's sections, their blocks of text and figures, and the phenomena."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_policy import (
    DistrictListFilter,
    LabelledChangeList,
    PolicyModelAdmin,
)
from core.markup import render_markdown

from ..models import (
    FIGURE_MAX_BYTES,
    Phenomenon,
    PlanSection,
    SectionBlock,
    label_sections,
)
from ._shared import YEAR_TERM, document_order_keys, sections_numbered, split_numbers
from .actions import ActionInline

# Sections ---------------------------------------------------------------------------------------

# A section is picked by its number ("3.2.2", or "2.2" for 2.2 and its paragraphs) or a plan's year.
PREVIEW = "_preview"


class NumberedSectionChangeList(LabelledChangeList):
    """Lists sections in document order (newest plan first) unless a column header is clicked."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[PlanSection]) -> list[Any]:
        if ORDER_VAR in self.params:  # the user clicked a column header
            return super().get_ordering(request, queryset)
        return ["-plan__year", *document_order_keys(), "pk"]


class PreviewOnlyForm:
    """Checks and shows what was typed, but never counts as valid: a preview saves nothing."""

    def is_valid(self) -> bool:
        super().is_valid()  # type: ignore[misc]  # the errors, if any, are shown with the preview
        return False


class SectionBlockForm(forms.ModelForm):
    """A block of text or a figure; an image is uploaded as a file, checked with Pillow and kept in the database."""

    upload = forms.FileField(
        label=_("afbeelding uploaden"),
        required=False,
        help_text=_("PNG of JPEG, hoogstens 2 MB en 4000 bij 4000 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    class Meta:
        model = SectionBlock
        fields = ("section", "after_items", "order", "text", "caption", "alt_text")
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            if upload.size > FIGURE_MAX_BYTES:
                raise forms.ValidationError(_("De afbeelding is groter dan 2 MB."))
            self.instance.set_image(upload.read())
        return upload


@admin.register(SectionBlock)
class SectionBlockAdmin(PolicyModelAdmin):
    """Text or a figure between a section's items; its own page, so the section's form stays as it was."""

    form = SectionBlockForm
    list_display = ("__str__", "section", "after_items", "order", "has_image")
    list_select_related = ("section", "section__plan")
    list_filter = ("section__plan",)
    search_fields = ("text", "caption", "section__title")
    autocomplete_fields = ("section",)
    fields = ("section", "after_items", "order", "text", "caption", "alt_text", "upload")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SectionBlock]:
        # The image itself is not needed to list or edit a block: only its SHA-256.
        return super().get_queryset(request).defer("image")

    def preload_labels(self, rows: list[Any]) -> None:
        label_sections(block.section for block in rows)

    @admin.display(description=_("afbeelding"), boolean=True)
    def has_image(self, block: SectionBlock) -> bool:
        return bool(block.image_sha256)


class PlanSectionForm(forms.ModelForm):
    class Meta:
        model = PlanSection
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {"body": forms.Textarea(attrs={"rows": 22, "class": "markdown-editor"})}


@admin.register(PlanSection)
class PlanSectionAdmin(PolicyModelAdmin):
    form = PlanSectionForm
    list_display = ("section_number", "title", "district", "plan_year", "goal", "programme_line", "table")
    list_display_links = ("section_number", "title")
    list_select_related = ("plan", "goal", "programme_line")
    list_filter = ("plan", DistrictListFilter, "table", "goal")
    search_fields = ("title", "slug")
    autocomplete_fields = ("plan", "parent", "goal", "programme_line")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (ActionInline,)
    # The text first and large: writing it is what this page is for.
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        (_("Plaats in het jaarplan"), {"fields": ("plan", "parent", "order", "slug")}),
        (_("Doel en begroting"), {"fields": ("goal", "programme_line", "table")}),
    )
    markdown_fields = ("body",)
    change_form_template = "admin/strategy/plansection/change_form.html"
    # "Voorbeeld" and "Opslaan" above the text as well as below it.
    save_on_top = True

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return NumberedSectionChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanSection]:
        # Document order, newest plan first: the order of the list and of the autocomplete's answers.
        keys = document_order_keys()
        return super().get_queryset(request).annotate(**keys).order_by("-plan__year", *keys, "pk")

    def preload_labels(self, rows: list[Any]) -> None:
        label_sections(rows)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        numbers, words = split_numbers(search_term)
        queryset, may_have_duplicates = super().get_search_results(request, queryset, words)
        for term in numbers:
            condition = Q(pk__in=sections_numbered(queryset, term)) | Q(title__icontains=term)
            if YEAR_TERM.match(term):
                condition |= Q(plan__year=int(term))
            queryset = queryset.filter(condition)
        return queryset, may_have_duplicates

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.method == "POST" and PREVIEW in request.POST:
            return type(form.__name__, (PreviewOnlyForm, form), {})
        return form

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, **kwargs: Any
    ) -> Any:
        form = context["adminform"].form
        if request.method == "POST" and PREVIEW in request.POST and "body" in form.fields:
            # The same Markdown and sanitising as the report: what you see is what the plan will show.
            context["markdown_preview"] = render_markdown(form["body"].value() or "")
            context["preview_title"] = form["title"].value() if "title" in form.fields else ""
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    @admin.display(description=_("nummer"))
    def section_number(self, section: PlanSection) -> str:
        return section.number  # from the plan's outline, loaded once for the page

    @admin.display(description=_("district"))
    def district(self, section: PlanSection) -> str:
        return section.districts_label or "–"

    @admin.display(description=_("jaar"), ordering="plan__year")
    def plan_year(self, section: PlanSection) -> int:
        return section.plan.year


@admin.register(Phenomenon)
class PhenomenonAdmin(PolicyModelAdmin):
    list_display = ("name", "category", "order", "plan", "section")
    list_select_related = ("plan", "section")
    list_filter = ("plan", "category")
    search_fields = ("name", "description")
    autocomplete_fields = ("plan", "section")
    ordering = ("-plan__year", "category", "order")
