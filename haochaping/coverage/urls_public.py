from django.urls import path

from haochaping.coverage import views

app_name = "coverage_public"
urlpatterns = [
    path("", views.public_comment, name="form"),
    path("thanks/<str:reference>/", views.public_thanks, name="thanks"),
]
