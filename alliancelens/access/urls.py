"""Access pages: who may see the alliance, its history, privacy requests."""

from django.urls import path

from . import views

# Part of the "alliances" namespace: alliancelens/urls.py puts the pages
# of every app under /alliances/ together.
urlpatterns = [
    path(
        "<slug:slug>/participants/<int:pk>/erase/",
        views.participant_erase_view,
        name="participant_erase",
    ),
    path(
        "<slug:slug>/participants/<int:pk>/send-data/",
        views.participant_data_view,
        name="participant_data",
    ),
    path("<slug:slug>/access/", views.access_list, name="access"),
    path("<slug:slug>/access/<int:pk>/", views.access_edit, name="access_edit"),
    path("<slug:slug>/access/<int:pk>/withdraw/", views.access_withdraw, name="access_withdraw"),
    path("<slug:slug>/history/", views.history, name="history"),
]
