from django.urls import path

from haochaping.rectification import views

app_name = "rectification"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("<int:rectification_id>/", views.detail, name="detail"),
    path("<int:rectification_id>/act/<str:action>/", views.act, name="act"),
    path("<int:rectification_id>/op/<str:operation>/", views.operate, name="operate"),
    path("<int:rectification_id>/reveal/", views.reveal, name="reveal"),
    path(
        "<int:rectification_id>/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path("rate/<str:token>/", views.self_rating, name="self_rating"),
]
