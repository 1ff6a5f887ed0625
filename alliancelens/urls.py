from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from alliancelens.alliances.auth import ResetForm, ThrottledLoginForm
from alliancelens.alliances.views import workshop

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="alliances:list"), name="home"),
    path("alliances/", include("alliancelens.alliances.urls")),
    path("r/", include("alliancelens.scan.urls")),
    path("j/<str:code>/", workshop.join, name="join"),
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
