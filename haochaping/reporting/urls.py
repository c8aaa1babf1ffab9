from django.urls import path

from haochaping.reporting import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/preview.<str:fmt>", views.preview, name="preview"),
    path("<int:pk>/<str:name>/", views.action, name="action"),
    path("files/<int:file_id>/", views.download, name="download"),
]
