from django.urls import path

from haochaping.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge", views.badge, name="badge"),
    path("<int:notification_id>/read", views.mark_read, name="read"),
    path("read-all", views.mark_all_read, name="read_all"),
    path("preferences", views.preferences, name="preferences"),
]
