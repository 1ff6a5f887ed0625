"""Register pages, in the "alliances" namespace (alliancelens/urls.py)."""

from django.urls import path

from . import boards, successes, views

urlpatterns = [
    path("<slug:slug>/registers/", views.overview, name="registers"),
    path("<slug:slug>/registers/<str:key>/", views.entries, name="register"),
    path("<slug:slug>/registers/<str:key>/new/", views.entry_form, name="register_new"),
    path("<slug:slug>/registers/<str:key>/<int:pk>/", views.entry_form, name="register_entry"),
    path(
        "<slug:slug>/registers/<str:key>/<int:pk>/archive/",
        views.entry_archive,
        name="register_archive",
    ),
    # Overviews made from the registers (boards.py).
    path(
        "<slug:slug>/registers/interests/side-by-side/",
        boards.interests_side_by_side,
        name="register_board_interests",
    ),
    path(
        "<slug:slug>/registers/agreements/overview/",
        boards.agreements_overview,
        name="register_board_agreements",
    ),
    path(
        "<slug:slug>/registers/stakeholders/grid/",
        boards.stakeholder_grid_page,
        name="register_board_stakeholders",
    ),
    path(
        "<slug:slug>/registers/contributions/balance/",
        boards.contributions_balance,
        name="register_board_contributions",
    ),
    # The successes on one page, to share (successes.py).
    path(
        "<slug:slug>/registers/successes/summary/",
        successes.successes_summary,
        name="register_successes_summary",
    ),
    path(
        "<slug:slug>/registers/successes/summary.pdf",
        successes.successes_summary,
        {"fmt": "pdf"},
        name="register_successes_summary_pdf",
    ),
]
