from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from alliancelens.access import urls as access_urls
from alliancelens.access import views as access_views
from alliancelens.access.login import ResetForm, ThrottledLoginForm
from alliancelens.alliances import urls as setup_urls
from alliancelens.journey import urls as journey_urls
from alliancelens.registers import urls as register_urls
from alliancelens.results import outcome as results_outcome
from alliancelens.results import urls as results_urls
from alliancelens.workshop import urls as workshop_urls
from alliancelens.workshop import views as workshop_views

# The facilitator's pages of every app, under /alliances/ in one namespace.
ALLIANCE_PAGES = [
    *setup_urls.urlpatterns,
    *register_urls.urlpatterns,
    *journey_urls.urlpatterns,
    *access_urls.urlpatterns,
    *results_urls.urlpatterns,
    *workshop_urls.urlpatterns,
]


class FaviconView(RedirectView):
    """Browsers ask /favicon.ico of every site; the icon is a static SVG."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("alliancelens/favicon.svg")


# Error pages that need no database, in the reader's language, and keep
# personal links private (errors.py).
handler404 = "alliancelens.errors.page_not_found"
handler500 = "alliancelens.errors.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="alliances:list"), name="home"),
    path("favicon.ico", FaviconView.as_view()),
    path("alliances/", include((ALLIANCE_PAGES, "alliances"))),
    path("r/<str:token>/my-data.json", access_views.my_data, name="my_data"),
    path("r/<str:token>/outcome/", results_outcome.outcome, name="outcome"),
    path("r/", include("alliancelens.scan.urls")),
    path("j/<str:code>/", workshop_views.join, name="join"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ResetForm,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("privacy/", TemplateView.as_view(template_name="privacy.html"), name="privacy"),
    path("admin/", admin.site.urls),
]
