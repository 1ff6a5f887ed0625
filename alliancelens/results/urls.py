"""Results pages: the published result, its report, guide and exports."""

from django.urls import path

from . import ambition, route, views

# Part of the "alliances" namespace: alliancelens/urls.py puts the pages
# of every app under /alliances/ together.
urlpatterns = [
    # The route's overview (the journey app's pages hang below it).
    path("<slug:slug>/route/", route.route, name="route"),
    path("<slug:slug>/ambition/", ambition.ambition, name="ambition"),
    path("<slug:slug>/rounds/<int:number>/close/", views.round_close_view, name="round_close"),
    path("<slug:slug>/rounds/<int:number>/results/", views.results, name="results"),
    path(
        "<slug:slug>/rounds/<int:number>/report.<str:fmt>",
        views.report_download,
        name="report",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/guide.<str:fmt>",
        views.report_download,
        {"kind": "guide"},
        name="guide",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/export/<str:fmt>/",
        views.export_download,
        name="export",
    ),
]
