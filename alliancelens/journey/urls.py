"""Route pages, in the "alliances" namespace (alliancelens/urls.py). The
route's overview itself is results/route.py (it shows the scan beside it)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/route/phase/<str:phase>/", views.phase_result, name="route_phase"),
    path("<slug:slug>/route/move/", views.move, name="route_move"),
    path("<slug:slug>/route/checklist/", views.checklist, name="route_checklist"),
    path(
        "<slug:slug>/route/checklist/<str:item>/",
        views.checklist_item,
        name="route_checklist_item",
    ),
    path("<slug:slug>/route/stage/", views.stage, name="route_stage"),
]
