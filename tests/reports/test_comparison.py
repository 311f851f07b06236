"""The comparison page: what changed from the Jaarplan 2024 to the concept 2025."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budget.models import CostCategory, CostLine
from reports.comparison import build_comparison
from strategy.models import AnnualPlan, PlanSection
from strategy.plan_copy import create_next_year_plan

pytestmark = pytest.mark.django_db

# build_comparison: 1 both plans, 2 the sections of both, 3 the cost lines of both.
BUILDER_QUERIES = 3


@pytest.fixture
def plans(plan_2024: AnnualPlan, bureau_admin: Any) -> AnnualPlan:
    """2024 as published and 2025 copied from it (3,3 % on the costs), then edited."""
    plan_2025 = create_next_year_plan(plan=plan_2024, user=bureau_admin)
    return plan_2025


@pytest.fixture
def edited(plans: AnnualPlan) -> AnnualPlan:
    plan = plans
    section = PlanSection.objects.get(plan=plan, slug="iv-en-ict")
    section.title = "IV- en ICT-ondersteuning in 2025"
    section.body = section.body + "\n\nNieuwe alinea <script>alert('x')</script> over de <b>informatievoorziening</b>."
    section.save()
    PlanSection.objects.create(
        plan=plan,
        parent=PlanSection.objects.get(plan=plan, slug="bedrijfsvoering-riec-bureau"),
        order=4,
        slug="evaluatie-strategie",
        title="Evaluatie van de meerjarenstrategie",
    )
    PlanSection.objects.get(plan=plan, slug="learning-community").delete()
    CostLine.objects.filter(plan=plan, label="Gebiedsgericht werken").update(amount=25_000)
    return plan


def compare_url(new: int = 2025, old: int = 2024) -> str:
    return reverse("reports:compare", args=(new, old))


def test_the_page_lists_old_new_and_difference_per_cost_line(reader: Client, edited: AnnualPlan) -> None:
    page = reader.get(compare_url())
    assert page.status_code == 200
    html = page.content.decode()
    rows = {row.label: row for row in page.context["comparison"].costs}

    cluster = rows["Cluster 1: Regulier"]
    assert (cluster.old, cluster.new, cluster.difference) == (1_378_037, 1_423_512, 45_475)
    assert '<td class="amount">1.378.037</td>' in html
    assert '<td class="amount">1.423.512</td>' in html
    assert '<td class="amount">+45.475</td>' in html

    area = rows["Gebiedsgericht werken"]
    assert (area.old_display, area.new_display, area.difference_display) == ("-", "25.000", "+25.000")

    comparison = page.context["comparison"]
    assert comparison.old_total == 7_843_124
    assert comparison.new_total == sum(row.new or 0 for row in comparison.costs)
    assert comparison.difference_total_display in html
    assert "7.843.124" in html


def test_an_edited_section_shows_its_diff_escaped(reader: Client, edited: AnnualPlan) -> None:
    page = reader.get(compare_url())
    html = page.content.decode()
    [change] = [c for c in page.context["comparison"].changed if c.slug == "iv-en-ict"]
    assert (change.old_number, change.new_number) == ("1.4.3", "1.4.3")
    assert [(line.kind, line.text) for line in change.title_diff] == [
        ("del", "IV- en ICT-ondersteuning"),
        ("ins", "IV- en ICT-ondersteuning in 2025"),
    ]
    assert "<del>− IV- en ICT-ondersteuning</del>" in html
    assert "<ins>+ IV- en ICT-ondersteuning in 2025</ins>" in html
    # What the user typed is text on the page, never markup.
    assert "<script>" not in html
    assert "<b>informatievoorziening</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;informatievoorziening&lt;/b&gt;" in html
    assert any(line.kind == "ins" and "Nieuwe alinea" in line.text for line in change.body_diff)


def test_added_and_removed_sections_are_listed_with_their_numbers(reader: Client, edited: AnnualPlan) -> None:
    comparison = reader.get(compare_url()).context["comparison"]
    assert [(s.number, s.title) for s in comparison.added] == [("1.4.4", "Evaluatie van de meerjarenstrategie")]
    assert [(s.number, s.title) for s in comparison.removed] == [("2.4", "Learning Community")]
    # Unchanged sections are not listed as changed.
    assert {c.slug for c in comparison.changed} == {"iv-en-ict"}


def test_an_unchanged_copy_shows_only_the_indexation(reader: Client, plans: AnnualPlan) -> None:
    comparison = reader.get(compare_url()).context["comparison"]
    assert (comparison.added, comparison.removed, comparison.changed) == ([], [], [])
    assert {row.status for row in comparison.costs} == {"same", "changed"}
    zero = next(row for row in comparison.costs if row.label == "Gebiedsgericht werken")
    assert (zero.status, zero.difference_display) == ("same", "-")


@pytest.mark.parametrize(("new", "old"), [(2026, 2024), (2025, 2023)])
def test_a_year_without_a_plan_is_404(reader: Client, plans: AnnualPlan, new: int, old: int) -> None:
    assert reader.get(compare_url(new, old)).status_code == 404


def test_the_page_needs_a_login(client: Client, plans: AnnualPlan) -> None:
    response = client.get(compare_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_builder_runs_a_fixed_number_of_queries(
    edited: AnnualPlan,
    django_assert_num_queries: Any,
    reader: Client,
    count_queries: Callable[[Client, str], tuple[Any, int]],
) -> None:
    with django_assert_num_queries(BUILDER_QUERIES):
        small = build_comparison(2025, 2024)
    _, page_queries = count_queries(reader, compare_url())

    # Ten times the sections and cost lines in 2025: the same queries.
    chapter = PlanSection.objects.create(plan=edited, order=100, slug="extra", title="Extra", body="a\nb")
    PlanSection.objects.bulk_create(
        PlanSection(plan=edited, parent=chapter, order=i, slug=f"extra-{i}", title=f"Extra {i}", body=f"tekst {i}")
        for i in range(1, 10 * 45)
    )
    CostLine.objects.bulk_create(
        CostLine(plan=edited, category=CostCategory.OPERATIONS, order=1000 + i, label=f"Extra {i}", amount=i)
        for i in range(10 * 33)
    )
    with django_assert_num_queries(BUILDER_QUERIES):
        large = build_comparison(2025, 2024)
    assert len(large.added) == len(small.added) + 450
    assert len(large.costs) == len(small.costs) + 330
    _, large_page_queries = count_queries(reader, compare_url())
    assert large_page_queries == page_queries
