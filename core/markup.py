"""Narrative text is Markdown; it is rendered and then sanitised, so no user HTML survives.

One pipeline for every place that shows it: the report and its PDF, the dashboards, the admin's
preview of a section and its read-only views.
"""

from __future__ import annotations

import functools

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "h4", "h5", "h6", "a"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
# Links may point to the web or to an anchor; no file:, data: or javascript: URLs.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    return mark_safe(_render_markdown(text or ""))  # noqa: S308 - sanitised by nh3 in _render_markdown


# A pure function of the text and about half the time of a report page: each worker process keeps
# the most recent renderings (a bounded, per-process memo; edited text simply gets a new entry).
@functools.lru_cache(maxsize=4096)
def _render_markdown(text: str) -> str:
    # Markdown passes raw HTML through; nh3 then removes whatever is not on the allow-list
    # (scripts with their content, images, styles, event handlers, unsafe URL schemes).
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned


class Markdown:
    """Markdown source that renders (once) when a template prints it.

    Keeping the source in the report context lets the PDF cache fingerprint the data without
    rendering anything.
    """

    __slots__ = ("_html", "source")

    def __init__(self, source: str | None) -> None:
        self.source = source or ""
        self._html: SafeString | None = None

    def __html__(self) -> SafeString:
        if self._html is None:
            self._html = render_markdown(self.source)
        return self._html

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.source.strip())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Markdown) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"Markdown({self.source!r})"
