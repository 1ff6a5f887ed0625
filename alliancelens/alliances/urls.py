"""Set-up pages: alliances, partners, participants, rounds and invitations."""

from django.urls import path

from .views import alliance, rounds

# Part of the "alliances" namespace: alliancelens/urls.py puts the pages
# of every app under /alliances/ together.
urlpatterns = [
    path("", alliance.alliance_list, name="list"),
    path("new/", alliance.alliance_new, name="new"),
    path("<slug:slug>/", alliance.alliance_detail, name="detail"),
    path("<slug:slug>/edit/", alliance.alliance_edit, name="edit"),
    path("<slug:slug>/partners/", alliance.partners, name="partners"),
    path("<slug:slug>/partners/<int:pk>/", alliance.partner_edit, name="partner_edit"),
    path("<slug:slug>/partners/<int:pk>/delete/", alliance.partner_delete, name="partner_delete"),
    path("<slug:slug>/participants/", alliance.participants, name="participants"),
    path(
        "<slug:slug>/participants/import/",
        alliance.participants_import_view,
        name="participants_import",
    ),
    path("<slug:slug>/participants/<int:pk>/", alliance.participant_edit, name="participant_edit"),
    path("<slug:slug>/rounds/new/", rounds.round_new, name="round_new"),
    path("<slug:slug>/rounds/<int:number>/", rounds.round_detail, name="round"),
    path("<slug:slug>/rounds/<int:number>/open/", rounds.round_open_view, name="round_open"),
    path("<slug:slug>/rounds/<int:number>/invitations/", rounds.invitations, name="invitations"),
]
