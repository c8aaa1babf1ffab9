from django.urls import path

from haochaping.audit import views_public as views

app_name = "public-audit"
urlpatterns = [
    path("", views.heads, name="heads"),
    path("heads.json", views.heads_json, name="heads-json"),
]
