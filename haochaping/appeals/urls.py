from django.urls import path

from haochaping.appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("notices/", views.notices, name="notices"),
    path("further/", views.further, name="further"),
    path("figures/", views.figures, name="figures"),
    path("file/<int:rectification_id>/", views.file, name="file"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("<int:appeal_id>/decide/", views.decide, name="decide"),
    path("<int:appeal_id>/further/request/", views.request_further, name="request_further"),
    path("<int:appeal_id>/further/decide/", views.decide_further, name="decide_further"),
    path("<int:appeal_id>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
