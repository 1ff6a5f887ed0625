from django.urls import path

from . import views

app_name = "scan"

urlpatterns = [
    path("<str:token>/", views.resume, name="resume"),
    path("<str:token>/intro/", views.intro, name="intro"),
    path("<str:token>/p/<str:perspective>/", views.perspective, name="perspective"),
    path("<str:token>/review/", views.review, name="review"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
]
