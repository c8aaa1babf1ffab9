from django.urls import path

from haochaping.integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.index, name="index"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("reviews/<int:review_id>/confirm", views.review_confirm, name="confirm"),
    path("reviews/<int:review_id>/clear", views.review_clear, name="clear"),
    path("checks/", views.check_list, name="checks"),
    path("units/", views.unit_view, name="units"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
]
