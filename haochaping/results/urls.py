from django.urls import path

from haochaping.results import views

app_name = "results"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("regions/<str:code>/", views.region_view, name="region"),
    path("units/<int:unit_id>/", views.unit_view, name="unit"),
    path("rankings/", views.rankings, name="rankings"),
    path("ratings/", views.rating_list, name="ratings"),
]
