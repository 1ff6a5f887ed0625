"""Register pages, in the "alliances" namespace (alliancelens/urls.py)."""

from django.urls import path

from . import views

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
]
