from django.contrib.auth import views as auth_views
from django.urls import path

from haochaping.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
