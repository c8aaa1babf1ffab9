from django.urls import path

from haochaping.reporting import views

app_name = "public_reports"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("files/<int:file_id>/", views.public_download, name="download"),
]
