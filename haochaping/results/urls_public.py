from django.urls import path

from haochaping.results import views_public as views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("rankings/", views.rankings, name="rankings"),
    path("resolution/", views.resolution, name="resolution"),
    path("cases/", views.typical_list, name="cases"),
    path("cases/<int:pk>/", views.typical_detail, name="case"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("data/", views.data_index, name="data"),
    path("data/units.<str:fmt>", views.data_units, name="data-units"),
    path("data/ranking.<str:fmt>", views.data_ranking, name="data-ranking"),
]
