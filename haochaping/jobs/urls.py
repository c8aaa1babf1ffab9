from django.urls import path

from haochaping.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<str:job_id>/requeue", views.requeue, name="requeue"),
]
