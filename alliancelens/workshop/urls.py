"""Workshop pages: projector, reveal, join link and the discussion walk-through."""

from django.urls import path

from . import views

# Part of the "alliances" namespace: alliancelens/urls.py puts the pages
# of every app under /alliances/ together.
urlpatterns = [
    path("<slug:slug>/rounds/<int:number>/workshop/", views.projector, name="workshop"),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/counts/",
        views.counts,
        name="workshop_counts",
    ),
    path("<slug:slug>/rounds/<int:number>/workshop/reveal/", views.reveal, name="reveal"),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/join-link/",
        views.join_toggle,
        name="join_toggle",
    ),
    path("<slug:slug>/rounds/<int:number>/workshop/agenda/", views.agenda, name="agenda"),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/agenda/change/",
        views.agenda_change,
        name="agenda_change",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/discuss/<int:step>/",
        views.discuss,
        name="discuss",
    ),
]
