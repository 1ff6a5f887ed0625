from django.urls import path

from alliancelens.results import views as results

from .views import alliance, members, rounds, workshop

app_name = "alliances"

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
    path(
        "<slug:slug>/participants/<int:pk>/erase/",
        alliance.participant_erase_view,
        name="participant_erase",
    ),
    path(
        "<slug:slug>/participants/<int:pk>/send-data/",
        alliance.participant_data_view,
        name="participant_data",
    ),
    path("<slug:slug>/access/", members.members, name="members"),
    path("<slug:slug>/access/<int:pk>/", members.member_edit, name="member_edit"),
    path("<slug:slug>/access/<int:pk>/withdraw/", members.member_delete, name="member_delete"),
    path("<slug:slug>/history/", members.history, name="history"),
    path("<slug:slug>/rounds/new/", rounds.round_new, name="round_new"),
    path("<slug:slug>/rounds/<int:number>/", rounds.round_detail, name="round"),
    path("<slug:slug>/rounds/<int:number>/open/", rounds.round_open_view, name="round_open"),
    path("<slug:slug>/rounds/<int:number>/close/", rounds.round_close_view, name="round_close"),
    path("<slug:slug>/rounds/<int:number>/invitations/", rounds.invitations, name="invitations"),
    path("<slug:slug>/rounds/<int:number>/results/", results.results, name="results"),
    path(
        "<slug:slug>/rounds/<int:number>/report.<str:fmt>",
        results.report_download,
        name="report",
    ),
    path("<slug:slug>/rounds/<int:number>/workshop/", workshop.projector, name="workshop"),
    path("<slug:slug>/rounds/<int:number>/workshop/reveal/", workshop.reveal, name="reveal"),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/join-link/",
        workshop.join_toggle,
        name="join_toggle",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/workshop/discuss/<int:step>/",
        workshop.discuss,
        name="discuss",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/guide.<str:fmt>",
        results.report_download,
        {"kind": "guide"},
        name="guide",
    ),
    path(
        "<slug:slug>/rounds/<int:number>/export/<str:fmt>/",
        results.export_download,
        name="export",
    ),
]
