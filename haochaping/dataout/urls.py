from django.urls import path

from haochaping.dataout import views

app_name = "dataout"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("messages/<int:message_id>/retry", views.retry, name="retry"),
    path("messages/<int:message_id>/resend", views.resend, name="resend"),
    path("retry-dead", views.retry_dead, name="retry_dead"),
    path("reconcile", views.reconcile, name="reconcile"),
]
