from django.urls import path

from haochaping.privacy import views

app_name = "privacy"

urlpatterns = [
    path("reveal/<slug:target>/<str:object_id>/", views.reveal, name="reveal"),
    path("reveals/", views.reveal_log, name="reveal_log"),
]
